-- 009 (#17): daily signals of the last 7 reported days – spikes (ODMAP-like rule) and
-- significant space-time clusters (SaTScan's prospective permutation scan). Replaced with the
-- weekly signals in one transaction at every refresh (Store.save_alerts).
CREATE TABLE daily_signals (
    city_id      INTEGER NOT NULL,
    kind         VARCHAR NOT NULL,      -- spike | cluster | ears
    indicator    VARCHAR NOT NULL,
    district_ids INTEGER[],             -- the district(s); NULL = whole city (spike)
    start_day    DATE NOT NULL,
    end_day      DATE NOT NULL,
    observed     DOUBLE NOT NULL,
    expected     DOUBLE,                -- cluster: expected under the permutation model
    p_value      DOUBLE,                -- cluster
    llr          DOUBLE,                -- cluster
    min_count    INTEGER,               -- spike: the rule's threshold
    hours        INTEGER,               -- spike: the rule's window
    centre_id    INTEGER,               -- cluster: district at the centre of the circle
    radius_m     DOUBLE,                -- cluster: radius of the circle in metres
    upper        DOUBLE                 -- ears: the upper bound (EARS C2 on daily counts)
);
