-- Satisfaction of one half-year under one definition per subdistrict (the registry's, else the community code before "-": meta.subdistrict; NULL when neither gives one), with its Wilson interval and how many of its communities are below target.
with params as (
    select ?::varchar as period, ?::varchar as definition, ?::integer as min_cell_size
),

settings as (
    select satisfaction_target, min_responses from meta.settings
),

communities as (
    select
        s.*,
        meta.subdistrict(s.community_id) as subdistrict
    from metrics.satisfaction as s, params as p
    where s.period = p.period and s.definition = p.definition
        and s.community_id is not null and s.role is null
),

counted as (
    select
        c.subdistrict,
        count(*) as communities,
        -- Only communities large enough to be shown count here (min_cell_size).
        count(*) filter (where c.verdict = 'below' and c.responses >= p.min_cell_size)
            as communities_below,
        sum(c.responses) as responses,
        sum(c.satisfied) as satisfied,
        sum(c.basically_satisfied) as basically_satisfied,
        sum(c.dissatisfied) as dissatisfied,
        sum(
            case p.definition
                when 'top2' then c.satisfied + c.basically_satisfied
                else c.satisfied
            end
        ) as positives
    from communities as c, params as p
    group by c.subdistrict
),

bounds as (
    -- The interval of metrics.satisfaction (meta.wilson_low, meta.wilson_high).
    select
        *,
        positives::double / responses as rate,
        meta.wilson_low(positives, responses) as ci_low,
        meta.wilson_high(positives, responses) as ci_high
    from counted
),

final as (
    select
        b.subdistrict,
        b.communities,
        b.communities_below,
        b.responses,
        b.satisfied,
        b.basically_satisfied,
        b.dissatisfied,
        b.rate,
        b.ci_low,
        b.ci_high,
        s.satisfaction_target as target,
        meta.verdict(b.rate, b.ci_high, s.satisfaction_target) as verdict,
        b.responses < s.min_responses as small_sample
    from bounds as b
    left join settings as s on true
)

select * from final
order by subdistrict nulls last
