-- 014 (#18): Substanzwarnungen – a public-health warning about a substance (e.g. nitazenes in
-- heroin), written by the crisis team from a drug-checking signal or by hand, shown to every
-- account of the city until ``valid_until`` and printed as a one-page A4 sheet. No personal
-- data. Written only by lagebild/store/warnings.py (roles in access.PERMISSIONS
-- "warnings.create"/"warnings.edit"); every write has its audit row.
CREATE SEQUENCE substance_warning_id_seq START 1;

-- The warning in German (the source language). substance = key of data/substances.toml;
-- location = where the finds were made (district, site, in words); advice = what to do, one
-- instruction per line; source = the drug-checking signal it was made from
-- ("kind:substance:week[:sold_as]") and source_reason its reason in words (NULL = by hand);
-- revision counts the material changes (e-mail once per revision); withdrawn_* = taken back
-- before it expired.
CREATE TABLE substance_warnings (
    warning_id    INTEGER PRIMARY KEY DEFAULT nextval('substance_warning_id_seq'),
    city_id       INTEGER NOT NULL,
    substance     VARCHAR NOT NULL,
    title         VARCHAR NOT NULL,
    location      VARCHAR NOT NULL,
    since         DATE NOT NULL,
    valid_until   DATE NOT NULL,
    advice        VARCHAR NOT NULL DEFAULT '',
    source        VARCHAR,
    source_reason VARCHAR,
    revision      INTEGER NOT NULL DEFAULT 1,
    created_by    VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_by    VARCHAR,
    updated_at    TIMESTAMP,
    withdrawn_by  VARCHAR,
    withdrawn_at  TIMESTAMP,
    CHECK (valid_until >= since)
);

-- The warning's own text in a further language: Leichte Sprache ("de-LS"), English ("en") or
-- a language the city entered ("ar", "fa", …). The page's captions come from the language's
-- template, these are the warning's words.
CREATE TABLE substance_warning_texts (
    warning_id  INTEGER NOT NULL,
    language    VARCHAR NOT NULL,
    title       VARCHAR NOT NULL,
    location    VARCHAR NOT NULL DEFAULT '',
    advice      VARCHAR NOT NULL DEFAULT '',
    updated_by  VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (warning_id, language)
);
