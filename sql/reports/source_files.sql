-- The files one half-year's current rows come from, one row per file.
with params as (
    select ?::varchar as period
),

lineage as (
    select file_hash, run_id, period from core.evaluations where superseded_by is null
    union all
    select file_hash, run_id, period from core.hearings where superseded_by is null
    union all
    select file_hash, run_id, period from core.branch_reports where superseded_by is null
),

period_files as (
    select l.file_hash, count(*) as rows_current
    from lineage as l, params as p
    where l.period = p.period
    group by l.file_hash
),

final as (
    select
        coalesce(f.file_name, '?') as file_name,
        pf.file_hash,
        f.kind,
        f.received_at,
        f.is_correction,
        pf.rows_current
    from period_files as pf
    left join meta.files as f on f.file_hash = pf.file_hash
)

select * from final
order by received_at, file_name
