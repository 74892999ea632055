-- 005 (#6): meetings of the crisis team (Drogenrapport), measures agreed there, and the
-- history of every change of a measure. Written only by the "measures (#6)" section of
-- lagebild/store.py (roles admin, krisenstab); readable by everyone who may see the city.
CREATE SEQUENCE meeting_id_seq START 1;
CREATE SEQUENCE measure_id_seq START 1;
CREATE SEQUENCE measure_event_id_seq START 1;

-- A meeting: its date (a future date = planned meeting), title, participating organisations
-- and the decisions in words. The measures agreed there point to it (measures.meeting_id).
CREATE TABLE meetings (
    meeting_id   INTEGER PRIMARY KEY DEFAULT nextval('meeting_id_seq'),
    city_id      INTEGER NOT NULL,
    held_on      DATE NOT NULL,
    title        VARCHAR NOT NULL,
    participants VARCHAR[] NOT NULL,
    decisions    VARCHAR NOT NULL DEFAULT '',
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_by   VARCHAR,
    updated_at   TIMESTAMP
);

-- A measure (Maßnahme). body = key of data/bodies.toml (responsible body); districts =
-- district ids (empty = whole city); indicators = catalogue keys it should move;
-- alert_id = optional alert (alert_episodes) it answers; implemented_on = from when it is
-- in effect (set when it goes "in_umsetzung"/"umgesetzt", editable).
CREATE TABLE measures (
    measure_id     INTEGER PRIMARY KEY DEFAULT nextval('measure_id_seq'),
    city_id        INTEGER NOT NULL,
    title          VARCHAR NOT NULL,
    description    VARCHAR NOT NULL DEFAULT '',
    body           VARCHAR NOT NULL,
    districts      INTEGER[] NOT NULL,
    indicators     VARCHAR[] NOT NULL,
    alert_id       INTEGER,
    meeting_id     INTEGER,
    due_on         DATE,
    status         VARCHAR NOT NULL,   -- geplant | in_umsetzung | umgesetzt | verworfen
    implemented_on DATE,
    created_by     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_by     VARCHAR,
    updated_at     TIMESTAMP
);

-- Every change of a measure: who, when, status from → to (equal for other edits; from is
-- NULL at creation), which fields changed, and the comment.
CREATE TABLE measure_history (
    event_id    INTEGER PRIMARY KEY DEFAULT nextval('measure_event_id_seq'),
    measure_id  INTEGER NOT NULL,
    changed_by  VARCHAR NOT NULL,
    changed_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    from_status VARCHAR,
    to_status   VARCHAR NOT NULL,
    fields      VARCHAR[] NOT NULL,
    comment     VARCHAR NOT NULL DEFAULT ''
);
