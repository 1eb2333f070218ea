-- Member participation of one half-year over all communities (one row, community_id NULL).
with participation as (
    select community_id, members_total, members_participating, rate, target, meets_target
    from metrics.member_participation
    where period = ? and community_id is null
),

final as (
    select p.*, null::varchar as community_name
    from participation as p
)

select * from final
