-- The runs that loaded one half-year's current rows, one row per run.
with params as (
    select ?::varchar as period
),

lineage as (
    select run_id, period from core.evaluations where superseded_by is null
    union all
    select run_id, period from core.hearings where superseded_by is null
    union all
    select run_id, period from core.branch_reports where superseded_by is null
),

period_runs as (
    select l.run_id, count(*) as rows_current
    from lineage as l, params as p
    where l.period = p.period
    group by l.run_id
),

final as (
    select pr.run_id, r.started_at, r.finished_at, r.status, pr.rows_current
    from period_runs as pr
    left join meta.runs as r on r.run_id = pr.run_id
)

select * from final
order by started_at, run_id
