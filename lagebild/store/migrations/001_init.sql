-- 001: cities, districts, organisations, uploads, reporting periods, observations, audit log.
CREATE SEQUENCE city_id_seq START 1;
CREATE SEQUENCE district_id_seq START 1;
CREATE SEQUENCE upload_id_seq START 1;
CREATE SEQUENCE audit_id_seq START 1;

CREATE TABLE cities (
    city_id     INTEGER PRIMARY KEY DEFAULT nextval('city_id_seq'),
    name        VARCHAR NOT NULL UNIQUE,
    ags         VARCHAR,               -- Amtlicher Gemeindeschlüssel, optional
    is_demo     BOOLEAN NOT NULL DEFAULT false,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE districts (
    district_id INTEGER PRIMARY KEY DEFAULT nextval('district_id_seq'),
    city_id     INTEGER NOT NULL,
    code        VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    population  INTEGER,
    parent      VARCHAR,               -- e.g. Stadtbezirk of an Ortsteil
    geometry    BLOB,                  -- WKB, EPSG:4326
    UNIQUE (city_id, code)
);

CREATE TABLE uploads (
    upload_id    INTEGER PRIMARY KEY DEFAULT nextval('upload_id_seq'),
    city_id      INTEGER NOT NULL,
    organisation VARCHAR NOT NULL,
    filename     VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    uploaded_by  VARCHAR NOT NULL,
    uploaded_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    row_count    INTEGER NOT NULL,
    status       VARCHAR NOT NULL DEFAULT 'imported',   -- imported | withdrawn
    withdrawn_by VARCHAR,
    withdrawn_at TIMESTAMP,
    raw          BLOB                                   -- the accepted file's bytes (rebuild)
);

-- An upload covers, per indicator, a period: inside it a missing day means 0 for that
-- organisation, outside it means "not reported".
CREATE TABLE reporting_periods (
    upload_id   INTEGER NOT NULL,
    indicator   VARCHAR NOT NULL,
    start_date  DATE NOT NULL,
    end_date    DATE NOT NULL
);

CREATE TABLE observations (
    city_id      INTEGER NOT NULL,
    district_id  INTEGER,
    indicator    VARCHAR NOT NULL,
    date         DATE NOT NULL,
    count        INTEGER NOT NULL CHECK (count >= 0),
    lat          DOUBLE,
    lon          DOUBLE,
    organisation VARCHAR NOT NULL,
    upload_id    INTEGER NOT NULL,
    note         VARCHAR
);

CREATE TABLE audit_log (
    audit_id  INTEGER PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    actor     VARCHAR NOT NULL,
    action    VARCHAR NOT NULL,
    city_id   INTEGER,
    detail    VARCHAR
);
