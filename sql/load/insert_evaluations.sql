-- Inserts the batch's valid evaluation forms (registered as staged_rows), one row per form with lineage; a form that a later file of the same batch replaces is inserted as superseded by it.
insert into core.evaluations by name
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
    select s.row_id, b.file_hash, b.sequence
    from staged_rows as s
    inner join blocks as b
        on s.period = b.period and s.community_id = b.community_id and b.sequence > s.sequence
    union all
    select s.row_id, f.file_hash, f.sequence
    from staged_rows as s
    inner join forms as f
        on s.period = f.period
        and s.community_id = f.community_id
        and s.evaluator_key = f.evaluator_key
        and f.sequence > s.sequence
),

replaced as (
    select row_id, arg_min(file_hash, sequence) as superseded_by
    from candidates
    group by row_id
),

final as (
    select s.*, r.superseded_by
    from staged_rows as s
    left join replaced as r on s.row_id = r.row_id
)

select
    period, community_id, evaluator_key, role,
    service_attitude, efficiency, environment, openness, practical_results,
    verdict, comments, cast(evaluated_on as date) as evaluated_on,
    file_hash, sheet, row_number,
    ? as run_id, ? as loaded_at,
    superseded_by,
    case when superseded_by is not null then cast(? as timestamptz) end as superseded_at
from final
