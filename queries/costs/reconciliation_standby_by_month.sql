-- The chargers' standby per local month of [$date_from, $date_to] for one installation:
-- per month, the sum over its stations of (standby kWh per month x days installed in the
-- part of the month inside the period); the caller divides by the month's days. A station
-- counts from its configured install date, else from its first session's day.
WITH months AS (
    SELECT m::DATE AS month
    FROM generate_series(date_trunc('month', $date_from::DATE), $date_to::DATE, INTERVAL 1 MONTH) t(m)
),
seg AS (
    SELECT month, greatest(month, $date_from::DATE) AS seg_from,
           least((month + INTERVAL 1 MONTH)::DATE - 1, $date_to::DATE) AS seg_to,
           datediff('day', month, (month + INTERVAL 1 MONTH)::DATE) AS month_days
    FROM months
),
first_use AS (
    SELECT station_id, min(started_local)::DATE AS first_day
    FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings)
    WHERE installation_id = $installation_id AND NOT time_unreliable
    GROUP BY ALL
),
st AS (
    SELECT st.station_id, coalesce(ss.installed_on, f.first_day) AS installed_on,
           coalesce(ss.standby_kwh_month, $default_standby)::DECIMAL(8, 3) AS standby
    FROM stations st
    LEFT JOIN station_settings ss USING (station_id)
    LEFT JOIN first_use f USING (station_id)
    WHERE st.installation_id = $installation_id
),
days AS (
    SELECT seg.month, seg.month_days, st.standby,
           greatest(0, datediff('day', greatest(seg.seg_from, st.installed_on), seg.seg_to) + 1) AS active_days
    FROM seg CROSS JOIN st
    WHERE st.installed_on IS NOT NULL
)
SELECT seg.month, seg.month_days,
       coalesce(count(*) FILTER (WHERE d.active_days > 0), 0) AS stations,
       coalesce(sum(d.standby * d.active_days), 0)::DECIMAL(18, 3) AS standby_kwh_days
FROM seg LEFT JOIN days d USING (month)
GROUP BY ALL ORDER BY seg.month
