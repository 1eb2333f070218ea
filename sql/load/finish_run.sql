-- Records a run's end and totals.
update meta.runs
set finished_at = ?, status = ?, files_seen = ?, files_loaded = ?,
    rows_read = ?, rows_loaded = ?, rows_quarantined = ?
where run_id = ?
