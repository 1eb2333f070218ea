-- Satisfaction rates of one half-year under one definition over all communities: the total and each evaluator role (community_id NULL).
with rates as (
    select *
    from metrics.satisfaction
    where period = ? and definition = ? and community_id is null
),

final as (
    select r.*, null::varchar as community_name
    from rates as r
)

select * from final
