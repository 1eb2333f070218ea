-- Marks current evaluations that the batch (registered as staged_rows) replaces: each by the first file of the batch whose block (a normal file: period and community) or form (a corrections workbook: period, community, evaluator) holds it.
update core.evaluations as e
set superseded_by = r.superseded_by, superseded_at = ?
from (
    with blocks as (
        select distinct file_hash, sequence, period, community_id
        from staged_rows
        where not correction
    ),

    forms as (
        select distinct file_hash, sequence, period, community_id, evaluator_key
        from staged_rows
        where correction
    ),

    candidates as (
        select c.rowid as target, b.file_hash, b.sequence
        from core.evaluations as c
        inner join blocks as b on c.period = b.period and c.community_id = b.community_id
        where c.superseded_by is null
        union all
        select c.rowid as target, f.file_hash, f.sequence
        from core.evaluations as c
        inner join forms as f
            on c.period = f.period
            and c.community_id = f.community_id
            and c.evaluator_key = f.evaluator_key
        where c.superseded_by is null
    ),

    final as (
        select target, arg_min(file_hash, sequence) as superseded_by
        from candidates
        group by target
    )

    select * from final
) as r
where e.rowid = r.target
