-- Reported days per indicator x ISO week (0..7) from the imported reporting periods.
WITH days AS (
    SELECT DISTINCT rp.indicator, CAST(d.day AS DATE) AS day
    FROM reporting_periods rp JOIN uploads u USING (upload_id),
         LATERAL (SELECT unnest(generate_series(rp.start_date, rp.end_date,
                                                INTERVAL 1 DAY)) AS day) d
    WHERE u.city_id = $city_id AND u.status = 'imported')
SELECT indicator, CAST(date_trunc('week', day) AS DATE) AS week,
       count(*) AS reported_days
FROM days GROUP BY ALL ORDER BY indicator, week
