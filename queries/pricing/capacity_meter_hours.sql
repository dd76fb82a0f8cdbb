-- The installation's interval readings per meter and clock hour (UTC instants) in [$from_utc, $to_utc):
-- the hour's kWh (quarters summed) and how many of its minutes the intervals cover, to tell whether the
-- month is fully read.
SELECT v.meter_id, date_trunc('hour', v.starts_at) AS hour, sum(v.kwh)::DECIMAL(18, 3) AS kwh,
       sum(epoch(v.ends_at) - epoch(v.starts_at))::BIGINT // 60 AS minutes
FROM meter_intervals v JOIN meters m USING (meter_id)
WHERE m.installation_id = $installation_id AND v.starts_at >= $from_utc AND v.starts_at < $to_utc
GROUP BY ALL
ORDER BY hour, v.meter_id
