-- The organisation's earlier rows with the key of a row in the registered frame _keys
-- (district, indicator, date, coordinates): what insert_upload(replace=True) deletes.
WITH k AS (SELECT DISTINCT CAST(district_id AS INTEGER) AS district_id,
                  CAST(indicator AS VARCHAR) AS indicator,
                  CAST(date AS DATE) AS date, lat, lon FROM _keys)
SELECT o.upload_id, o.district_id, d.name AS district, o.indicator, o.date,
       o.count, o.lat, o.lon, o.note
FROM observations o JOIN k
  ON o.district_id IS NOT DISTINCT FROM k.district_id
 AND o.indicator = k.indicator AND o.date = k.date
 AND o.lat IS NOT DISTINCT FROM k.lat AND o.lon IS NOT DISTINCT FROM k.lon
LEFT JOIN districts d ON d.district_id = o.district_id
WHERE o.city_id = $city_id
  AND o.upload_id IN (SELECT upload_id FROM uploads WHERE city_id = $city_id
                      AND organisation = $organisation)
ORDER BY o.date, district, o.indicator
