-- Marks current hearing records that the batch (registered as staged_rows) resubmits: each by the first file of the batch with the same record key.
update core.hearings as h
set superseded_by = r.superseded_by, superseded_at = ?
from (
    with records as (
        select distinct file_hash, sequence, record_key from staged_rows
    ),

    final as (
        select c.rowid as target, arg_min(k.file_hash, k.sequence) as superseded_by
        from core.hearings as c
        inner join records as k on c.record_key = k.record_key
        where c.superseded_by is null
        group by c.rowid
    )

    select * from final
) as r
where h.rowid = r.target
