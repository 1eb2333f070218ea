-- The reports behind metrics.reporting that are missing or late, one row per half-year × source × expected unit.
with units as (
    select period, source, unit_id, unit_name, community_id, received, on_time, submitted_on
    from metrics._reporting_units
),

final as (
    select
        period,
        source,
        unit_id,
        unit_name,
        community_id,
        case when received then 'late' else 'missing' end as status,
        submitted_on
    from units
    where not on_time
)

select * from final
