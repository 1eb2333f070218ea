-- Satisfaction rates of one half-year under one definition, every community × role cell and rollup, with community names.
with rates as (
    select *
    from metrics.satisfaction
    where period = ? and definition = ?
),

final as (
    select r.*, coalesce(c.name, r.community_id) as community_name
    from rates as r
    left join ref.communities as c on c.community_id = r.community_id
)

select * from final
