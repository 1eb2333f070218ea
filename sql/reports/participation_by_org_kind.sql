-- Participation per kind of organisation for one half-year: organisations active, reports received and their member counts; the rate divides like by like (members by members for party branches, organisations by organisations for unit organisations and the economic committee, as metrics.participation_by_org_kind).
with params as (
    select ?::varchar as period
),

organisations as (
    select o.org_id, o.kind
    from ref.organisations as o, params as p
    where (o.active_from is null or o.active_from <= p.period)
        and (o.active_to is null or o.active_to >= p.period)
),

reports as (
    -- Current rows only; should an organisation have two, the latest submission counts.
    select b.*
    from core.branch_reports as b, params as p
    where b.period = p.period and b.superseded_by is null
    qualify row_number() over (
        partition by b.org_id order by b.submitted_on desc nulls last, b.loaded_at desc
    ) = 1
),

counted as (
    select
        o.kind,
        o.kind in ('unit_org', 'economic_committee') as by_organisation,
        count(*) as orgs_registered,
        count(r.org_id) as reports_received,
        sum(r.members_total) as members_total,
        sum(r.members_participating) as members_participating,
        sum(r.in_service_registered) as in_service_registered,
        sum(r.activities) as activities,
        count(*) filter (where r.took_part) as orgs_took_part
    from organisations as o
    left join reports as r on r.org_id = o.org_id
    group by o.kind
),

final as (
    select
        kind,
        case when by_organisation then 'organisations' else 'members' end as measure,
        orgs_registered,
        reports_received,
        members_total,
        members_participating,
        case
            when by_organisation then orgs_took_part::double / nullif(orgs_registered, 0)
            else members_participating::double / nullif(members_total, 0)
        end as rate,
        in_service_registered,
        activities,
        orgs_took_part
    from counted
)

select * from final
order by kind
