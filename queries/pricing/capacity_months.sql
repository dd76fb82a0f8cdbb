-- The local months of one installation with charging (from the monthly sums) or with meter interval
-- readings, newest first: what the capacity page offers to pick.
SELECT month FROM (
    SELECT m.month FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings) m
    WHERE m.installation_id = $installation_id AND m.energy_kwh > 0
    UNION
    SELECT date_trunc('month', timezone(i.time_zone, v.starts_at))::DATE AS month
    FROM meter_intervals v JOIN meters m USING (meter_id) JOIN installations i USING (installation_id)
    WHERE m.installation_id = $installation_id
)
ORDER BY month DESC
