-- Inserts the batch's valid branch reports (staged_rows), one row per organisation and half-year with lineage; a report resubmitted later in the same batch is inserted as superseded.
insert into core.branch_reports by name
with reports as (
    select distinct file_hash, sequence, period, org_id from staged_rows
),

replaced as (
    select s.row_id, arg_min(k.file_hash, k.sequence) as superseded_by
    from staged_rows as s
    inner join reports as k
        on s.period = k.period and s.org_id = k.org_id and k.sequence > s.sequence
    group by s.row_id
),

final as (
    select s.*, r.superseded_by
    from staged_rows as s
    left join replaced as r on s.row_id = r.row_id
)

select
    period, org_id, members_total, members_participating, in_service_registered,
    floating_members, activities, took_part, cast(submitted_on as date) as submitted_on,
    file_hash, sheet, row_number,
    ? as run_id, ? as loaded_at,
    superseded_by,
    case when superseded_by is not null then cast(? as timestamptz) end as superseded_at
from final
