-- The state of each expected report of one half-year (parameter: period) as the warehouse knows it, for the reminders list (grain: source × unit_id × community_id).
with final as (
    select source, unit_id, community_id, state, rows_rejected, rejected_files
    from metrics.reporting_states
    where period = ?
)

select * from final
