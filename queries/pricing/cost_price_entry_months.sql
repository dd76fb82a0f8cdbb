-- Issue 29: the entered invoice months per installation, newest month first: each meter's newest
-- entry counts; the price per kWh is computed in Python (exact: kr / kWh, 6 decimals).
WITH latest AS (
    SELECT * FROM cost_prices
    QUALIFY row_number() OVER (PARTITION BY installation_id, month, meter_id ORDER BY entry DESC) = 1
)
SELECT l.installation_id, coalesce(i.name, l.installation_id) AS installation_name, l.month,
       string_agg(l.meter_id, ', ' ORDER BY l.meter_id) AS meters, sum(l.amount) AS amount, sum(l.kwh) AS kwh,
       max(l.entered_at) AS entered_at, arg_max(l.entered_by, l.entry) AS entered_by
FROM latest l LEFT JOIN installations i USING (installation_id)
GROUP BY ALL
ORDER BY l.month DESC, installation_name
