-- Lines the CSV reader could not split into the header's columns. A short line has one
-- reject_errors row per missing column: count lines, not errors.
SELECT count(DISTINCT line) FROM reject_errors
