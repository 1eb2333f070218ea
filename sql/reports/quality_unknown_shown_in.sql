-- The one half-year whose quality report lists the cells of unknown half-year (期间不明): the latest with data; no row when there are none.
with final as (
    select distinct shown_in_period
    from metrics.quarantine_period_unknown
)

select * from final
