-- Share of registered unit organisations (共建单位) taking part in community work, per half-year: organisations taking part over organisations registered (both counted in organisations, never members); short_of_target is how many more organisations would reach the target.
with settings as (
    select unit_target from meta.settings
),

reports as (
    select period, org_id, took_part
    from metrics._current_branch_reports
),

periods as (
    select distinct period from reports
),

unit_organisations as (
    select org_id, active_from, active_to
    from ref.organisations
    where kind = 'unit_org'
),

registered as (
    -- Periods are written YYYYHn, so they compare correctly as strings.
    select p.period, u.org_id
    from periods as p
    inner join unit_organisations as u
        on (u.active_from is null or u.active_from <= p.period)
        and (u.active_to is null or u.active_to >= p.period)
),

counts as (
    select
        p.period,
        count(g.org_id) as orgs_registered,
        count(g.org_id) filter (where r.took_part) as orgs_took_part
    from periods as p
    left join registered as g on g.period = p.period
    left join reports as r on r.period = g.period and r.org_id = g.org_id
    group by p.period
),

final as (
    select
        c.period,
        c.orgs_registered,
        c.orgs_took_part,
        c.orgs_took_part::double / nullif(c.orgs_registered, 0) as rate,
        s.unit_target as target,
        c.orgs_took_part::double / nullif(c.orgs_registered, 0) >= s.unit_target as meets_target,
        meta.short_of_target(c.orgs_took_part, c.orgs_registered, s.unit_target)
            as short_of_target
    from counts as c
    left join settings as s on true
)

select * from final
