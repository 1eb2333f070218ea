-- Records one distinct file received (by content hash): one row per file, with its row accounting.
insert into meta.files (
    file_hash, file_name, kind, size_bytes, received_at, run_id, status, encoding, sheets,
    extra_columns, is_correction, rows_read, rows_loaded, rows_quarantined, reason_zh, reason_en,
    sequence
)
select ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
       coalesce((select max(sequence) from meta.files), 0) + 1;
