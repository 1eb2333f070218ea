-- Expected reports by state per half-year × community × source × role (evaluations) or organisation kind (branch reports), with rollups per community and source (group NULL) and for the subdistrict (community_id NULL): what a gap list counts before it names anyone. Organisations directly under the subdistrict have no community: they count in the subdistrict rows only.
with states as (
    select
        period,
        source,
        community_id,
        coalesce(role, org_kind) as unit_group,
        state
    from metrics._reporting_units
),

counted as (
    select
        period,
        source,
        community_id,
        unit_group,
        grouping(community_id) = 1 as is_total,
        count(*) as expected,
        count(*) filter (where state = 'on_time') as on_time,
        count(*) filter (where state = 'late') as late,
        count(*) filter (where state = 'rejected') as rejected,
        count(*) filter (where state = 'missing') as missing
    from states
    group by grouping sets (
        (period, source, community_id, unit_group),
        (period, source, community_id),
        (period, source, unit_group),
        (period, source)
    )
),

final as (
    select
        period,
        source,
        community_id,
        unit_group,
        is_total,
        expected,
        on_time,
        late,
        rejected,
        missing,
        rejected + missing as without_valid_report
    from counted
    where is_total or community_id is not null
)

select * from final
