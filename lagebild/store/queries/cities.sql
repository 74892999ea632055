-- Every city with its district and observation-row counts (the store filters by actor).
SELECT c.city_id, c.name, c.ags, c.is_demo,
       (SELECT count(*) FROM districts d WHERE d.city_id = c.city_id) AS districts,
       (SELECT count(*) FROM observations o WHERE o.city_id = c.city_id) AS observations
FROM cities c ORDER BY c.name
