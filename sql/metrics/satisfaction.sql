-- Satisfaction rate (满意率) with Wilson 95% interval per half-year × community × evaluator role and their rollups (NULL = all), one row per definition (top2, top1); short_of_target: how many more of the same number of forms would have to count as satisfied to reach the target.
with settings as (
    select satisfaction_target, satisfaction_definition, min_responses from meta.settings
),

evaluations as (
    select period, community_id, role, verdict
    from core.evaluations
    where superseded_by is null
),

definitions as (
    -- top2: 满意 + 基本满意 count as satisfied; top1: 满意 only.
    select * from (values ('top2'), ('top1')) as d (definition)
),

cells as (
    -- community_id and role are never NULL in core.evaluations, so NULL here always means "all".
    select
        period,
        community_id,
        role,
        count(*) as responses,
        count(*) filter (where verdict = 'satisfied') as satisfied,
        count(*) filter (where verdict = 'basically_satisfied') as basically_satisfied,
        count(*) filter (where verdict = 'dissatisfied') as dissatisfied
    from evaluations
    group by grouping sets (
        (period, community_id, role), (period, community_id), (period, role), (period)
    )
),

counted as (
    select
        c.*,
        d.definition,
        case d.definition
            when 'top2' then c.satisfied + c.basically_satisfied
            else c.satisfied
        end as positives
    from cells as c
    cross join definitions as d
),

rates as (
    select
        period,
        community_id,
        role,
        definition,
        responses,
        satisfied,
        basically_satisfied,
        dissatisfied,
        positives,
        positives::double / responses as rate,
        meta.wilson_low(positives, responses) as ci_low,
        meta.wilson_high(positives, responses) as ci_high
    from counted
),

final as (
    select
        r.period,
        r.community_id,
        r.role,
        r.definition,
        r.responses,
        r.satisfied,
        r.basically_satisfied,
        r.dissatisfied,
        r.rate,
        r.ci_low,
        r.ci_high,
        s.satisfaction_target as target,
        meta.verdict(r.rate, r.ci_high, s.satisfaction_target) as verdict,
        r.responses < s.min_responses as small_sample,
        p.rate as rate_previous,
        r.definition = s.satisfaction_definition as is_headline,
        meta.short_of_target(r.positives, r.responses, s.satisfaction_target) as short_of_target
    from rates as r
    left join settings as s on true
    left join rates as p
        on p.period = meta.previous_period(r.period)
        and p.community_id is not distinct from r.community_id
        and p.role is not distinct from r.role
        and p.definition = r.definition
)

select * from final
