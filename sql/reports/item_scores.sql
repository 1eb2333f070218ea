-- Item means per community (and all communities, community_id NULL) for one half-year, with community names.
with scores as (
    select community_id, item, responses, mean, sd
    from metrics.item_scores
    where period = ?
),

final as (
    select s.*, coalesce(c.name, s.community_id) as community_name
    from scores as s
    left join ref.communities as c on c.community_id = s.community_id
)

select * from final
