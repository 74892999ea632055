-- 008 (#17, e-mail): who is told about a city's new red signals and Lagestufe rises, and what
-- was sent to whom (never the same notice twice to one account).
-- A missing subscription row means the default of the role: on for krisenstab and admin.
CREATE TABLE notification_subscriptions (
    username  VARCHAR NOT NULL,
    city      VARCHAR NOT NULL,
    enabled   BOOLEAN NOT NULL,
    digest    BOOLEAN NOT NULL DEFAULT false,   -- one message a day instead of one per notice
    PRIMARY KEY (username, city)
);

CREATE TABLE notifications_sent (
    notice_key VARCHAR NOT NULL,              -- e.g. alert:17 or level:2026-11-09:2
    username   VARCHAR NOT NULL,
    city_id    INTEGER NOT NULL,
    subject    VARCHAR NOT NULL,
    sent_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (notice_key, username, city_id)
);
