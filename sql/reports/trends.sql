-- Satisfaction, member participation, unit participation and completeness for every half-year up to one: one row per half-year × community (NULL: the whole subdistrict) × metric, with its target.
with params as (
    select ?::varchar as period, ?::varchar as definition
),

satisfaction as (
    select s.period, s.community_id, 'satisfaction' as metric, s.rate, s.target, s.responses
    from metrics.satisfaction as s, params as p
    where s.period <= p.period and s.definition = p.definition and s.role is null
),

members as (
    select
        m.period,
        m.community_id,
        'members' as metric,
        m.rate,
        m.target,
        m.members_total as responses
    from metrics.member_participation as m, params as p
    where m.period <= p.period
),

units as (
    select
        u.period,
        null::varchar as community_id,
        'units' as metric,
        u.rate,
        u.target,
        u.orgs_registered as responses
    from metrics.unit_participation as u, params as p
    where u.period <= p.period
),

completeness as (
    select
        r.period,
        null::varchar as community_id,
        'completeness_' || r.source as metric,
        r.completeness as rate,
        null::double as target,
        r.expected as responses
    from metrics.reporting as r, params as p
    where r.period <= p.period
),

metrics as (
    select * from satisfaction
    union all
    select * from members
    union all
    select * from units
    union all
    select * from completeness
),

final as (
    select m.*, coalesce(c.name, m.community_id) as community_name
    from metrics as m
    left join ref.communities as c on c.community_id = m.community_id
    where m.rate is not null
)

select * from final
order by metric, community_id is not null, community_name, period
