-- The opinions of one half-year per community, with its registered name (parameter: period); one row per community with opinions.
with opinions as (
    select community_id from metrics.opinions where period = ?
),

communities as (
    select community_id, name from ref.communities
),

final as (
    select
        o.community_id,
        coalesce(c.name, o.community_id) as community_name,
        count(*) as opinions
    from opinions as o
    left join communities as c using (community_id)
    group by o.community_id, c.name
)

select * from final
order by community_id
