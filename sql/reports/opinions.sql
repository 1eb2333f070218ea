-- Free-text opinions of one half-year's current forms by community, without evaluator or role: one row per community and distinct opinion, with how many forms carry it, most often raised first.
with forms as (
    select community_id, trim(comments) as opinion
    from core.evaluations
    where period = ? and superseded_by is null and nullif(trim(comments), '') is not null
),

grouped as (
    select community_id, opinion, count(*) as forms
    from forms
    group by community_id, opinion
),

final as (
    select coalesce(c.name, g.community_id) as community_name, g.opinion, g.forms
    from grouped as g
    left join ref.communities as c on c.community_id = g.community_id
)

select * from final
order by community_name, forms desc, opinion
