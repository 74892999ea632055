-- 011 (#18): drug-checking results, one row per tested sample and substance. The rows belong
-- to an upload (uploads.upload_id); a withdrawn upload's rows stay here but every query
-- joins uploads with status = 'imported', so they leave every view at once. The same upload
-- also carries the derived weekly indicators schnelltests / schnelltests_positiv as ordinary
-- observations (written in the same transaction).
CREATE TABLE drug_tests (
    city_id     INTEGER NOT NULL,
    upload_id   INTEGER NOT NULL,
    line        INTEGER NOT NULL,      -- row of the uploaded file (header = 1)
    tested_on   DATE NOT NULL,
    site        VARCHAR NOT NULL,      -- name of the place (places register)
    district_id INTEGER,               -- district of the site
    sample      VARCHAR NOT NULL,      -- the organisation's sample code (no personal data)
    sold_as     VARCHAR,               -- substance key from data/substances.toml, NULL: unknown
    method      VARCHAR NOT NULL,      -- method key
    substance   VARCHAR NOT NULL,      -- substance key
    result      VARCHAR NOT NULL       -- positiv | negativ | ungueltig
);
