-- 002: local accounts (argon2 hashes) and their cities; OIDC users are mapped by e-mail.
CREATE TABLE users (
    username      VARCHAR NOT NULL UNIQUE,
    display_name  VARCHAR,
    email         VARCHAR,
    password_hash VARCHAR,                 -- NULL: only OIDC login
    role          VARCHAR NOT NULL,        -- admin | krisenstab | outreach | gast
    organisation  VARCHAR,                 -- required for outreach
    active        BOOLEAN NOT NULL DEFAULT true,
    is_demo       BOOLEAN NOT NULL DEFAULT false,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE user_cities (
    username VARCHAR NOT NULL,
    city     VARCHAR NOT NULL
);
