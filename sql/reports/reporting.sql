-- Reporting completeness and timeliness of one half-year per source, with reports rejected (every row to correct) apart from missing ones.
with final as (
    select source, expected, received, on_time, late, rejected, missing, completeness, timeliness
    from metrics.reporting
    where period = ?
)

select * from final
order by source desc
