-- Active accounts with an e-mail address that may see $city, with their stored
-- subscription (NULL = no choice stored yet).
SELECT u.username, u.email, u.role, u.organisation, s.enabled,
       coalesce(s.digest, false) AS digest
FROM users u
LEFT JOIN notification_subscriptions s ON s.username = u.username AND s.city = $city
WHERE u.active AND u.email IS NOT NULL AND u.email <> ''
  AND (list_contains($all_cities, u.role)
       OR EXISTS (SELECT 1 FROM user_cities c WHERE c.username = u.username
                  AND c.city = $city))
ORDER BY u.username
