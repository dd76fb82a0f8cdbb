-- An installation's invoiced kr and kWh per month (a cost-price tariff's price = amount / kWh): the
-- newest entry of each meter and month counts (cost_prices is append-only).
SELECT month, sum(amount) AS amount, sum(kwh) AS kwh
FROM (SELECT * FROM cost_prices WHERE installation_id = $installation_id
      QUALIFY row_number() OVER (PARTITION BY month, meter_id ORDER BY entered_at DESC, entry DESC) = 1)
GROUP BY month ORDER BY month
