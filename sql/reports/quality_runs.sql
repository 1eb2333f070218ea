-- Every pipeline run, oldest first (the report keeps those that touched the half-year).
with final as (
    select
        run_id, started_at, finished_at, period, status, files_seen, files_loaded,
        rows_read, rows_loaded, rows_quarantined
    from meta.runs
)

select * from final
order by started_at, run_id
