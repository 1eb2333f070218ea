-- Records a run whose load failed and was rolled back.
update meta.runs set finished_at = ?, status = 'failed' where run_id = ?
