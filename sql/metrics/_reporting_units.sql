-- Helper: every unit expected to report, per half-year and source, with whether and when it reported (grain: period × source × unit_id × community_id).
with settings as (
    select report_deadline_days from meta.settings
),

evaluations as (
    select period, community_id, evaluator_key, evaluated_on
    from core.evaluations
    where superseded_by is null
),

branch_reports as (
    select period, org_id, submitted_on
    from metrics._current_branch_reports
),

periods as (
    -- Only periods with data: the roster may already list future rounds.
    select period from evaluations
    union
    select period from branch_reports
),

roster as (
    select distinct e.period, e.evaluator_key, e.role, e.community_id
    from ref.evaluators as e
    inner join periods as p on p.period = e.period
),

evaluation_receipts as (
    -- An evaluator counts as reported once per community; with several current forms the
    -- earliest date decides timeliness.
    select period, community_id, evaluator_key, min(evaluated_on) as submitted_on
    from evaluations
    group by period, community_id, evaluator_key
),

active_organisations as (
    select p.period, o.org_id, o.name, o.community_id
    from periods as p
    inner join ref.organisations as o
        on (o.active_from is null or o.active_from <= p.period)
        and (o.active_to is null or o.active_to >= p.period)
),

evaluator_units as (
    select
        r.period,
        'evaluations' as source,
        r.evaluator_key as unit_id,
        -- Evaluators are named by role and community only, never by person.
        case r.role
            when 'deputy' then '人大代表'
            when 'cppcc_member' then '政协委员'
            when 'resident_rep' then '居民代表'
            when 'unit_rep' then '单位代表'
            else r.role
        end || ' · ' || coalesce(c.name, r.community_id) as unit_name,
        r.community_id,
        x.evaluator_key is not null as received,
        x.submitted_on
    from roster as r
    left join evaluation_receipts as x
        on x.period = r.period
        and x.community_id = r.community_id
        and x.evaluator_key = r.evaluator_key
    left join ref.communities as c on c.community_id = r.community_id
),

organisation_units as (
    select
        o.period,
        'branch_reports' as source,
        o.org_id as unit_id,
        o.name as unit_name,
        o.community_id,
        b.org_id is not null as received,
        b.submitted_on
    from active_organisations as o
    left join branch_reports as b on b.period = o.period and b.org_id = o.org_id
),

units as (
    select * from evaluator_units
    union all
    select * from organisation_units
),

final as (
    select
        u.period,
        u.source,
        u.unit_id,
        u.unit_name,
        u.community_id,
        u.received,
        -- A received report without a date cannot be shown to be on time: it counts as late.
        coalesce(
            u.received
            and u.submitted_on <= meta.period_end(u.period) + s.report_deadline_days,
            false
        ) as on_time,
        u.submitted_on,
        meta.period_end(u.period) + s.report_deadline_days as deadline
    from units as u
    left join settings as s on true
)

select * from final
