-- 015 (#18): the languages a city added to the printable Substanzwarnung (Arabic, Farsi, …).
-- Lagebild ships de, de-LS (Leichte Sprache) and en in data/warning_languages.toml; a city's
-- row has the same fields (lagebild/drugcheck/languages.py checks them) and may not reuse a
-- shipped code. labels (caption per field), advice (standard advice lines) and months (12
-- names, when date_format uses MMMM) are JSON text.
CREATE TABLE warning_languages (
    city_id     INTEGER NOT NULL,
    code        VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,     -- in the language itself ("العربية")
    name_de     VARCHAR NOT NULL,     -- in German ("Arabisch")
    rtl         BOOLEAN NOT NULL,
    heading     VARCHAR NOT NULL,
    labels      VARCHAR NOT NULL,
    advice      VARCHAR NOT NULL,
    footer      VARCHAR NOT NULL,
    date_format VARCHAR NOT NULL,
    months      VARCHAR NOT NULL,
    updated_by  VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (city_id, code)
);
