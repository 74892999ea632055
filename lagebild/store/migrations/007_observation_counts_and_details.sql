-- 007: observations are stored in two tables, read through the view "observations":
--   observation_counts   counts per district and day: no coordinates, no note (most rows)
--   observation_details  rows with coordinates (single finds) or a note
-- The columns lat, lon and note were empty on almost every row but still cost DuckDB about
-- 10 ms per column and million rows on every import (docs/benchmarks.md). Reads go through
-- the view, which has the columns of the old table; writes (store.insert_upload, replace,
-- withdraw) go to the table a row belongs to.
CREATE TABLE observation_counts (
    city_id      INTEGER NOT NULL,
    district_id  INTEGER,
    indicator    VARCHAR NOT NULL,
    date         DATE NOT NULL,
    count        INTEGER NOT NULL CHECK (count >= 0),
    upload_id    INTEGER NOT NULL
);

CREATE TABLE observation_details (
    city_id      INTEGER NOT NULL,
    district_id  INTEGER,
    indicator    VARCHAR NOT NULL,
    date         DATE NOT NULL,
    count        INTEGER NOT NULL CHECK (count >= 0),
    lat          DOUBLE,
    lon          DOUBLE,
    upload_id    INTEGER NOT NULL,
    note         VARCHAR,
    CHECK (lat IS NOT NULL OR lon IS NOT NULL OR note IS NOT NULL)
);

INSERT INTO observation_counts
SELECT city_id, district_id, indicator, date, count, upload_id FROM observations
WHERE lat IS NULL AND lon IS NULL AND note IS NULL;

INSERT INTO observation_details
SELECT city_id, district_id, indicator, date, count, lat, lon, upload_id, note FROM observations
WHERE lat IS NOT NULL OR lon IS NOT NULL OR note IS NOT NULL;

DROP TABLE observations;

CREATE VIEW observations AS
SELECT city_id, district_id, indicator, date, count, CAST(NULL AS DOUBLE) AS lat,
       CAST(NULL AS DOUBLE) AS lon, upload_id, CAST(NULL AS VARCHAR) AS note
FROM observation_counts
UNION ALL
SELECT city_id, district_id, indicator, date, count, lat, lon, upload_id, note
FROM observation_details;
