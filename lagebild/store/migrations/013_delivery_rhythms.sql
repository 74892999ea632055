-- 013 (#20, completeness): the delivery rhythm an admin set for an organisation's indicator
-- (daily | weekly | monthly | none = no delivery expected). Without a row the rhythm is
-- learnt from the reporting periods (lagebild/ops/completeness.py).
CREATE TABLE delivery_rhythms (
    city_id      INTEGER NOT NULL,
    organisation VARCHAR NOT NULL,
    indicator    VARCHAR NOT NULL,
    rhythm       VARCHAR NOT NULL CHECK (rhythm IN ('daily', 'weekly', 'monthly', 'none')),
    set_by       VARCHAR NOT NULL,
    set_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (city_id, organisation, indicator)
);
