-- Reporting completeness and timeliness of one half-year per source.
with final as (
    select source, expected, received, on_time, late, completeness, timeliness
    from metrics.reporting
    where period = ?
)

select * from final
order by source desc
