-- 003 (#5): cached display geometry of districts; sensitive places per city.
-- display_geometry: coverage-simplified copy of geometry for maps (WKB, EPSG:4326);
-- NULL means "not computed" and the map falls back to geometry.
ALTER TABLE districts ADD COLUMN display_geometry BLOB;

CREATE SEQUENCE place_id_seq START 1;

-- Kitas, schools, playgrounds, youth centres: shown on the map; syringe finds near them
-- raise proximity notices. An upload replaces the city's whole list.
CREATE TABLE places (
    place_id    INTEGER PRIMARY KEY DEFAULT nextval('place_id_seq'),
    city_id     INTEGER NOT NULL,
    name        VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,      -- kita | schule | spielplatz | jugend | sonstige
    lat         DOUBLE NOT NULL,
    lon         DOUBLE NOT NULL,
    uploaded_by VARCHAR NOT NULL,
    uploaded_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
