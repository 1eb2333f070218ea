-- Marks current branch reports that the batch (registered as staged_rows) resubmits: each by the first file of the batch reporting the same organisation and half-year.
update core.branch_reports as b
set superseded_by = r.superseded_by, superseded_at = ?
from (
    with reports as (
        select distinct file_hash, sequence, period, org_id from staged_rows
    ),

    final as (
        select c.rowid as target, arg_min(k.file_hash, k.sequence) as superseded_by
        from core.branch_reports as c
        inner join reports as k on c.period = k.period and c.org_id = k.org_id
        where c.superseded_by is null
        group by c.rowid
    )

    select * from final
) as r
where b.rowid = r.target
