-- Records a run as started: one row per run.
insert into meta.runs (run_id, flow_run_id, started_at, period, status) values (?, ?, ?, ?, 'running')
