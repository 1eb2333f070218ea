-- Satisfaction rate per community (and the whole subdistrict, community_id NULL) for every half-year up to one, under one definition.
with rates as (
    select period, community_id, responses, rate
    from metrics.satisfaction
    where period <= ? and definition = ? and role is null
),

final as (
    select r.*, coalesce(c.name, r.community_id) as community_name
    from rates as r
    left join ref.communities as c on c.community_id = r.community_id
)

select * from final
order by period, community_name
