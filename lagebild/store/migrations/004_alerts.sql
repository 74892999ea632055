-- 004 (#4): alert signals per week, alert episodes with acknowledgement, refresh runs.
-- Written only by lagebild/alerting.py (refresh_alerts) and Store.acknowledge_alert.
CREATE SEQUENCE alert_id_seq START 1;

-- One row per city: the data/config version the stored signals were computed from.
CREATE TABLE alert_runs (
    city_id        INTEGER PRIMARY KEY,
    source_version VARCHAR NOT NULL,      -- audit id of the last data change | config digest
    computed_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    computed_by    VARCHAR NOT NULL,
    series         INTEGER NOT NULL,
    weeks          INTEGER NOT NULL
);

-- Precomputed Ampel per district (NULL = whole city) × indicator × ISO week (its Monday).
CREATE TABLE alert_signals (
    city_id            INTEGER NOT NULL,
    district_id        INTEGER,
    indicator          VARCHAR NOT NULL,
    week               DATE NOT NULL,
    observed           DOUBLE,
    reported_days      INTEGER,
    rate               DOUBLE,           -- per 10 000 inhabitants
    expected           DOUBLE,
    upper_yellow       DOUBLE,
    upper_red          DOUBLE,
    alarm_yellow       BOOLEAN,
    alarm_red          BOOLEAN,
    method             VARCHAR,          -- ears_c1 | ears_c2 | ears_c3 | farrington | noufaily
    alpha_yellow       DOUBLE,
    alpha_red          DOUBLE,
    history_have       INTEGER,
    history_need       INTEGER,
    static_yellow      DOUBLE,           -- fixed thresholds as counts (NULL = none)
    static_red         DOUBLE,
    static_yellow_rate DOUBLE,           -- the configured rate when it set the threshold
    static_red_rate    DOUBLE,
    colour             VARCHAR NOT NULL, -- red | yellow | green | grey
    cause              VARCHAR NOT NULL
);

-- An alert = an episode of yellow/red weeks of one series; kept when data change
-- (state 'retracted'), acknowledged at most once with a comment.
CREATE TABLE alert_episodes (
    alert_id        INTEGER PRIMARY KEY DEFAULT nextval('alert_id_seq'),
    city_id         INTEGER NOT NULL,
    district_id     INTEGER,                -- NULL = whole city
    indicator       VARCHAR NOT NULL,
    first_week      DATE NOT NULL,
    last_week       DATE NOT NULL,
    peak_week       DATE NOT NULL,
    peak_colour     VARCHAR NOT NULL,
    peak_observed   DOUBLE,
    alert_weeks     INTEGER NOT NULL,
    state           VARCHAR NOT NULL,       -- open | ended | retracted
    end_week        DATE,
    first_fired_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    acknowledged_by VARCHAR,
    acknowledged_at TIMESTAMP,
    ack_comment     VARCHAR
);
