-- Member participation per community (and all, community_id NULL) for one half-year, with community names.
with participation as (
    select
        community_id,
        members_total,
        members_participating,
        rate,
        target,
        meets_target,
        branches_outside_communities,
        members_total_outside_communities,
        members_participating_outside_communities
    from metrics.member_participation
    where period = ?
),

final as (
    select p.*, coalesce(c.name, p.community_id) as community_name
    from participation as p
    left join ref.communities as c on c.community_id = p.community_id
)

select * from final
order by community_id is null, rate desc nulls last, community_name
