-- Satisfaction rate (满意率) with Wilson 95% interval per half-year × community × evaluator role and their rollups (NULL = all), one row per definition (top2, top1).
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
        end as positives,
        1.959963984540054::double as z
    from cells as c
    cross join definitions as d
),

wilson as (
    select
        *,
        positives::double / responses as rate,
        (positives::double / responses + z * z / (2 * responses)) / (1 + z * z / responses)
            as centre,
        z * sqrt(
            (positives::double / responses) * (1 - positives::double / responses) / responses
            + z * z / (4 * responses * responses)
        ) / (1 + z * z / responses) as half_width
    from counted
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
        rate,
        -- Pinned at the bounds: at 0% and 100% the formula lands on 0 and 1 only up to rounding.
        case when positives = 0 then 0.0 else greatest(0.0, centre - half_width) end as ci_low,
        case when positives = responses then 1.0 else least(1.0, centre + half_width) end
            as ci_high
    from wilson
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
        case
            when s.satisfaction_target is null then null
            when r.rate >= s.satisfaction_target then 'meets'
            when r.ci_high < s.satisfaction_target then 'below'
            else 'borderline'
        end as verdict,
        r.responses < s.min_responses as small_sample,
        p.rate as rate_previous,
        r.definition = s.satisfaction_definition as is_headline
    from rates as r
    left join settings as s on true
    left join rates as p
        on p.period = meta.previous_period(r.period)
        and p.community_id is not distinct from r.community_id
        and p.role is not distinct from r.role
        and p.definition = r.definition
)

select * from final
