-- Hearings and visits of one half-year per community, per kind and in total (NULL = all), with community names.
with hearings as (
    select *
    from metrics.hearings
    where period = ?
),

final as (
    select h.*, coalesce(c.name, h.community_id) as community_name
    from hearings as h
    left join ref.communities as c on c.community_id = h.community_id
)

select * from final
order by community_name nulls last, kind nulls last
