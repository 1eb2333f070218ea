-- Produces the latest runs recorded in the warehouse with their totals (grain: one row per run), newest first.
with runs as (
    select
        run_id,
        flow_run_id,
        started_at,
        finished_at,
        period,
        status,
        files_seen,
        files_loaded,
        rows_read,
        rows_loaded,
        rows_quarantined
    from meta.runs
),

final as (
    select * from runs
    order by started_at desc
    limit ?
)

select * from final
