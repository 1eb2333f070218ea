-- Hearings and visits of one half-year per subdistrict (the registry's, else the community code before "-": meta.subdistrict; NULL when neither gives one) over all kinds (kind NULL).
with params as (
    select ?::varchar as period
),

communities as (
    select
        community_id,
        meta.subdistrict(community_id) as subdistrict,
        households
    from ref.communities
),

hearings as (
    select h.*
    from metrics.hearings as h, params as p
    where h.period = p.period and h.community_id is not null and h.kind is null
),

by_subdistrict as (
    select
        c.subdistrict,
        coalesce(sum(h.events), 0) as events,
        coalesce(sum(h.attendees), 0) as attendees,
        coalesce(sum(h.opinions_raised), 0) as opinions_raised,
        coalesce(sum(h.opinions_resolved), 0) as opinions_resolved,
        coalesce(sum(h.households_visited), 0) as households_visited,
        sum(c.households) as households
    from communities as c
    left join hearings as h on h.community_id = c.community_id
    group by c.subdistrict
    -- Subdistricts without any record are left out, as communities are in the community table.
    having count(h.community_id) > 0
),

final as (
    select
        subdistrict,
        null::varchar as kind,
        events,
        attendees,
        opinions_raised,
        opinions_resolved,
        opinions_resolved::double / nullif(opinions_raised, 0) as resolution_rate,
        households_visited,
        -- Visits, not distinct households, against every household of the subdistrict.
        households_visited::double / nullif(households, 0) as household_coverage
    from by_subdistrict
)

select * from final
order by subdistrict nulls last
