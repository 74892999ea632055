-- Per organisation x indicator: days in [$start, $end] covered by its imported reporting
-- periods, and its last upload (completeness for the briefing).
WITH days AS (
    SELECT DISTINCT u.organisation, rp.indicator, CAST(d.day AS DATE) AS day
    FROM reporting_periods rp JOIN uploads u USING (upload_id),
         LATERAL (SELECT unnest(generate_series(greatest(rp.start_date, $start),
                                least(rp.end_date, $end), INTERVAL 1 DAY)) AS day) d
    WHERE u.city_id = $city_id AND u.status = 'imported')
SELECT u.organisation, rp.indicator,
       (SELECT count(*) FROM days d WHERE d.organisation = u.organisation
          AND d.indicator = rp.indicator) AS reported_days,
       max(u.uploaded_at) AS last_upload
FROM uploads u JOIN reporting_periods rp USING (upload_id)
WHERE u.city_id = $city_id AND u.status = 'imported'
GROUP BY ALL ORDER BY u.organisation, rp.indicator
