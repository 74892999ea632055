-- 010 (#19, Städtetreffen): the network instance's trusted city keys and the one current
-- share package of each city (kept whole, as signed; see lagebild/share.py and
-- docs/network.md). A city's own instance uses neither table.
CREATE TABLE share_trusted_keys (
    city        VARCHAR PRIMARY KEY,
    public_key  VARCHAR NOT NULL,       -- Ed25519, PEM (SubjectPublicKeyInfo)
    fingerprint VARCHAR NOT NULL,
    added_by    VARCHAR NOT NULL,
    added_at    TIMESTAMP NOT NULL
);

CREATE TABLE share_packages (
    city           VARCHAR PRIMARY KEY,
    ags            VARCHAR,
    period_start   DATE,
    period_end     DATE,
    created_at     TIMESTAMP NOT NULL,  -- when the city built it (manifest)
    schema_version INTEGER NOT NULL,
    software       VARCHAR,
    districts      BOOLEAN NOT NULL,
    sha256         VARCHAR NOT NULL,
    imported_by    VARCHAR NOT NULL,
    imported_at    TIMESTAMP NOT NULL,
    package        BLOB NOT NULL        -- the signed file, byte for byte
);
