-- Satisfaction rate per subdistrict (the registry's, else the community code before "-": meta.subdistrict; NULL when neither gives one) and over all communities (is_total) for every half-year up to one, under one definition.
with params as (
    select ?::varchar as period, ?::varchar as definition
),

communities as (
    select
        s.period,
        meta.subdistrict(s.community_id) as subdistrict,
        s.responses,
        case p.definition
            when 'top2' then s.satisfied + s.basically_satisfied
            else s.satisfied
        end as positives
    from metrics.satisfaction as s, params as p
    where s.period <= p.period and s.definition = p.definition
        and s.community_id is not null and s.role is null
),

final as (
    select
        period,
        subdistrict,
        grouping(subdistrict) = 1 as is_total,
        sum(responses) as responses,
        sum(positives)::double / sum(responses) as rate
    from communities
    group by grouping sets ((period, subdistrict), (period))
)

select * from final
order by period, is_total, subdistrict nulls last
