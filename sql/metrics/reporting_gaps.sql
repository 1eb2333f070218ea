-- The reports behind metrics.reporting that are late, rejected (received, nothing valid loaded: pending correction) or missing, one row per half-year × source × expected unit, with the roster code or organisation id to chase.
with states as (
    select * from metrics.reporting_states
),

final as (
    select
        period,
        source,
        unit_id,
        unit_name,
        community_id,
        state as status,
        submitted_on,
        code,
        name,
        role,
        org_kind,
        rows_rejected,
        rejected_files
    from states
    where state <> 'on_time'
)

select * from final
