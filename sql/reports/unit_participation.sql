-- Unit organisations registered and taking part in one half-year (one row).
with final as (
    select orgs_registered, orgs_took_part, rate, target, meets_target
    from metrics.unit_participation
    where period = ?
)

select * from final
