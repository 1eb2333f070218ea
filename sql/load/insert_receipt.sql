-- Records one receipt of a file (a file sent twice has two receipts): one row per file per run.
insert into meta.file_receipts (run_id, file_hash, file_name, received_at, outcome)
values (?, ?, ?, ?, ?);
