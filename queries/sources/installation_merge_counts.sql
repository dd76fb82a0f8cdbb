-- What a merge moves from $source_id: sessions, their counted kWh, stations, meters and loaded files.
SELECT (SELECT count(*) FROM sessions WHERE installation_id = $source_id) AS sessions,
       (SELECT coalesce(sum(energy_kwh) FILTER (WHERE NOT void), 0) FROM sessions
        WHERE installation_id = $source_id) AS counted_kwh,
       (SELECT count(*) FROM stations WHERE installation_id = $source_id) AS stations,
       (SELECT count(*) FROM meters WHERE installation_id = $source_id) AS meters,
       (SELECT count(*) FROM imports WHERE installation_id = $source_id) AS imports
