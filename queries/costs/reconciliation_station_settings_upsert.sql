INSERT INTO station_settings (station_id, installed_on, standby_kwh_month)
VALUES ($station_id, $installed_on, $standby_kwh_month)
ON CONFLICT (station_id) DO UPDATE SET installed_on = excluded.installed_on,
                                       standby_kwh_month = excluded.standby_kwh_month
