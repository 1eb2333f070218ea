-- Hearings, consultations and home visits per half-year × community × kind, with rollups over communities and kinds (NULL = all).
with hearings as (
    select
        period,
        community_id,
        kind,
        attendees,
        households_visited,
        opinions_raised,
        opinions_resolved
    from core.hearings
    where superseded_by is null
),

communities as (
    select community_id, households from ref.communities
),

all_households as (
    select sum(households) as households from communities
),

totals as (
    -- community_id and kind are never NULL in core.hearings, so NULL here always means "all".
    select
        period,
        community_id,
        kind,
        count(*) as events,
        sum(attendees) as attendees,
        sum(opinions_raised) as opinions_raised,
        sum(opinions_resolved) as opinions_resolved,
        sum(households_visited) as households_visited
    from hearings
    group by grouping sets (
        (period, community_id, kind), (period, community_id), (period, kind), (period)
    )
),

with_households as (
    -- Rollups over communities are measured against every household in the registry.
    select
        t.*,
        case when t.community_id is null then a.households else c.households end as households
    from totals as t
    left join communities as c on c.community_id = t.community_id
    left join all_households as a on true
),

final as (
    select
        period,
        community_id,
        kind,
        events,
        attendees,
        opinions_raised,
        opinions_resolved,
        opinions_resolved::double / nullif(opinions_raised, 0) as resolution_rate,
        households_visited,
        -- Visits, not distinct households: a household visited twice counts twice.
        households_visited::double / nullif(households, 0) as household_coverage,
        households
    from with_households
)

select * from final
