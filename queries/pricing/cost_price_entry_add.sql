-- Issue 29: one month's invoice for one meter (kind "cost_price" tariffs); append-only, the newest
-- entry of an (installation, month, meter) counts.
INSERT INTO cost_prices (installation_id, month, meter_id, amount, kwh, entered_at, entered_by)
VALUES ($installation_id, $month, $meter_id, $amount, $kwh, now(), $entered_by)
RETURNING entry
