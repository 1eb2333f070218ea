-- Participation per half-year × kind of organisation, each figure dividing like by like: party branches by members (members taking part / members reporting), unit organisations and the economic committee by organisations (organisations taking part / organisations registered). measure names the unit of numerator and denominator.
with settings as (
    select member_target, unit_target from meta.settings
),

periods as (
    select period from metrics._periods
),

organisations as (
    select p.period, o.org_id, o.kind
    from periods as p
    inner join ref.organisations as o
        on (o.active_from is null or o.active_from <= p.period)
        and (o.active_to is null or o.active_to >= p.period)
),

reports as (
    select period, org_id, members_total, members_participating, took_part
    from metrics._current_branch_reports
),

counts as (
    select
        o.period,
        o.kind as org_kind,
        count(*) as orgs_registered,
        count(r.org_id) as reports_received,
        count(*) filter (where r.took_part) as orgs_took_part,
        sum(r.members_total) as members_total,
        sum(r.members_participating) as members_participating
    from organisations as o
    left join reports as r on r.period = o.period and r.org_id = o.org_id
    group by o.period, o.kind
),

measured as (
    select
        c.*,
        case
            when c.org_kind in ('unit_org', 'economic_committee') then 'organisations'
            else 'members'
        end as measure
    from counts as c
),

ratios as (
    select
        m.period,
        m.org_kind,
        m.measure,
        m.orgs_registered,
        m.reports_received,
        m.orgs_took_part,
        m.members_total,
        m.members_participating,
        case when m.measure = 'members' then m.members_participating else m.orgs_took_part end
            as numerator,
        case when m.measure = 'members' then m.members_total else m.orgs_registered end
            as denominator,
        case when m.measure = 'members' then m.members_participating else m.orgs_took_part end
        ::double
        / nullif(
            case when m.measure = 'members' then m.members_total else m.orgs_registered end, 0
        ) as rate,
        case when m.measure = 'members' then s.member_target else s.unit_target end as target
    from measured as m
    left join settings as s on true
),

final as (
    select *, meta.short_of_target(numerator, denominator, target) as short_of_target
    from ratios
)

select * from final
