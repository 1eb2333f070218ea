-- Missing and late reports of one half-year, named by organisation, or by evaluator role and community (never the person).
with params as (
    select ?::varchar as period
),

gaps as (
    select g.*
    from metrics.reporting_gaps as g, params as p
    where g.period = p.period
),

roles as (
    select distinct e.evaluator_key, e.community_id, e.role
    from ref.evaluators as e, params as p
    where e.period = p.period
),

final as (
    select
        g.source,
        g.unit_name,
        case when g.source = 'evaluations' then r.role end as role,
        coalesce(c.name, g.community_id) as community_name,
        g.status,
        g.submitted_on
    from gaps as g
    left join roles as r
        on g.source = 'evaluations' and r.evaluator_key = g.unit_id and r.community_id = g.community_id
    left join ref.communities as c on c.community_id = g.community_id
)

select * from final
order by source desc, status, community_name, role, unit_name
