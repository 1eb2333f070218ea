-- Helper: the half-year each received file's own evidence gives (grain: file_hash): the one most of its readable rows carry, else one written in its name (the folder is not kept); NULL when it gives none.
with row_periods as (
    select file_hash, period from core.evaluations
    union all
    select file_hash, period from core.hearings
    union all
    select file_hash, period from core.branch_reports
    union all
    select distinct file_hash, period
    from (
        select file_hash, sheet, row_number, period
        from meta.quarantine
        where period is not null
    )
),

counted as (
    select file_hash, period, count(*) as row_count
    from row_periods
    group by file_hash, period
),

from_rows as (
    -- The period most rows carry; on a tie the later one.
    select file_hash, period
    from counted
    qualify row_number() over (
        partition by file_hash order by row_count desc, period desc
    ) = 1
),

files as (
    select file_hash, file_name from meta.files
    union
    select distinct file_hash, file_name from meta.quarantine
),

final as (
    select
        f.file_hash,
        any_value(f.file_name) as file_name,
        any_value(r.period) as period_from_rows,
        any_value(meta.period_in_name(f.file_name)) as period_from_name,
        coalesce(any_value(r.period), any_value(meta.period_in_name(f.file_name))) as period,
        case
            when any_value(r.period) is not null then 'file_rows'
            when any_value(meta.period_in_name(f.file_name)) is not null then 'file_name'
        end as evidence
    from files as f
    left join from_rows as r on r.file_hash = f.file_hash
    group by f.file_hash
)

select * from final
