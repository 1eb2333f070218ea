-- Records the batch's distinct files (registered as file_rows): one row per file, with its row accounting and its order of receipt.
insert into meta.files by name
select
    file_hash, file_name, kind, size_bytes, cast(? as timestamptz) as received_at,
    ? as run_id, status, encoding, sheets, extra_columns, is_correction, corrects,
    rows_read, rows_loaded, rows_quarantined, reason_zh, reason_en,
    coalesce((select max(sequence) from meta.files), 0) + batch_order as sequence
from file_rows
