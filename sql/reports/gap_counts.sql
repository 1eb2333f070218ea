-- Reports without a valid form of one half-year per community and source (the subdistrict's total last): what each community office has to chase.
with counts as (
    select *
    from metrics.reporting_gap_counts
    where period = ? and unit_group is null and without_valid_report + late > 0
),

final as (
    select
        k.source,
        k.is_total,
        coalesce(c.name, k.community_id) as community_name,
        k.expected,
        k.on_time,
        k.late,
        k.rejected,
        k.missing
    from counts as k
    left join ref.communities as c on c.community_id = k.community_id
)

select * from final
order by is_total, community_name, source desc
