-- The chargers' serial numbers of the stations a page already shows ($shown_station_ids: ids from rows the
-- caller was allowed to read), so no session is read again to find them.
SELECT station_id, device_id FROM stations WHERE list_contains($shown_station_ids, station_id)
