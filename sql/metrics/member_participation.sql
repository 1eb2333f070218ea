-- Share of party members taking part in community work per half-year × community, plus one all-communities row (community_id NULL), from party branches' current reports. The all-communities row is the sum of the community rows plus the branches directly under the subdistrict (no community), counted apart in the *_outside_communities columns; short_of_target is how many more members would reach the target.
with settings as (
    select member_target from meta.settings
),

reports as (
    select period, org_id, members_total, members_participating
    from metrics._current_branch_reports
),

branches as (
    -- Party branches only (flows.datasets.BRANCH_KINDS): the economic committee's members are
    -- those of the branches it oversees, and unit organisations are counted in unit_participation.
    select org_id, community_id
    from ref.organisations
    where kind in ('building_branch', 'market_branch', 'enterprise_branch', 'temporary_branch')
),

branch_reports as (
    select r.period, b.community_id, r.members_total, r.members_participating
    from reports as r
    inner join branches as b on b.org_id = r.org_id
),

totals as (
    select
        period,
        community_id,
        grouping(community_id) = 1 as is_total,
        count(*) as branches,
        sum(members_total) as members_total,
        sum(members_participating) as members_participating
    from branch_reports
    group by grouping sets ((period, community_id), (period))
),

outside as (
    -- Branches directly under the subdistrict: in the total row, in no community row.
    select
        period,
        count(*) as branches,
        sum(members_total) as members_total,
        sum(members_participating) as members_participating
    from branch_reports
    where community_id is null
    group by period
),

final as (
    select
        t.period,
        t.community_id,
        t.members_total,
        t.members_participating,
        t.members_participating::double / nullif(t.members_total, 0) as rate,
        s.member_target as target,
        t.members_participating::double / nullif(t.members_total, 0) >= s.member_target
            as meets_target,
        t.branches,
        meta.short_of_target(t.members_participating, t.members_total, s.member_target)
            as short_of_target,
        case when t.is_total then coalesce(o.branches, 0) else 0 end
            as branches_outside_communities,
        case when t.is_total then coalesce(o.members_total, 0) else 0 end
            as members_total_outside_communities,
        case when t.is_total then coalesce(o.members_participating, 0) else 0 end
            as members_participating_outside_communities
    from totals as t
    left join settings as s on true
    left join outside as o on o.period = t.period
    -- Branches directly under the subdistrict have no community: they count in the total row only.
    where t.is_total or t.community_id is not null
)

select * from final
