-- Free-text opinions of one half-year's current forms by community, without evaluator or role, in text order.
with forms as (
    select community_id, trim(comments) as opinion
    from core.evaluations
    where period = ? and superseded_by is null and nullif(trim(comments), '') is not null
),

final as (
    select coalesce(c.name, f.community_id) as community_name, f.opinion
    from forms as f
    left join ref.communities as c on c.community_id = f.community_id
)

select * from final
order by community_name, opinion
