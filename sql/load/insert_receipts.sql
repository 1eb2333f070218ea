-- Records each receipt of the batch (registered as receipt_rows): one row per file received, unless the same bytes under the same name were received before.
insert into meta.file_receipts (run_id, file_hash, file_name, received_at, outcome)
select ?, r.file_hash, r.file_name, cast(? as timestamptz), r.outcome
from receipt_rows as r
where not exists (
    select 1 from meta.file_receipts as p
    where p.file_hash = r.file_hash and p.file_name = r.file_name
)
