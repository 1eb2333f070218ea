-- Helper: every unit expected to report, per half-year and source, with whether and when it reported, what of it waits in quarantine and its state: on_time or late (a valid report is loaded), rejected (something was received, nothing valid is loaded yet: pending correction) or missing (nothing received) (grain: period × source × unit_id × community_id).
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
    select period from metrics._periods
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
    select p.period, o.org_id, o.name, o.kind, o.community_id
    from periods as p
    inner join ref.organisations as o
        on (o.active_from is null or o.active_from <= p.period)
        and (o.active_to is null or o.active_to >= p.period)
),

held_rows as (
    -- Quarantined rows still to correct, one per row (not per cell), with the period the row
    -- or its file gives.
    select
        file_hash,
        sheet,
        row_number,
        any_value(kind) as kind,
        any_value(period) as period,
        any_value(file_name) as file_name,
        any_value(row_values) as row_values
    from metrics._open_quarantine
    where kind in ('evaluations', 'branch_reports') and period is not null
    group by file_hash, sheet, row_number
),

community_keys as (
    select community_id, meta.lookup_key(community_id) as lookup from ref.communities
    union
    select community_id, meta.lookup_key(name) from ref.communities
),

organisation_keys as (
    select org_id, meta.lookup_key(org_id) as lookup from ref.organisations
    union
    select org_id, meta.lookup_key(name) from ref.organisations
),

held_evaluations as (
    -- The evaluator is the keyed pseudonym the row was read with; the community as typed,
    -- when it names one (it may be the cell that failed).
    select
        h.period,
        h.row_values ->> 'evaluator' as evaluator_key,
        any_value(c.community_id) as community_id,
        h.file_hash,
        h.file_name,
        h.sheet,
        h.row_number
    from held_rows as h
    left join community_keys as c
        on c.lookup = meta.lookup_key(h.row_values ->> 'community')
    where h.kind = 'evaluations'
    group by h.period, h.row_values ->> 'evaluator', h.file_hash, h.file_name, h.sheet,
        h.row_number
),

evaluation_holds as (
    -- Held rows per evaluator and community typed; community_id NULL: a row whose community
    -- names none, held against the evaluator in every community of the roster.
    select
        period,
        community_id,
        evaluator_key,
        count(*) as rows_rejected,
        list(distinct file_name) as rejected_files
    from held_evaluations
    group by period, community_id, evaluator_key
),

organisation_holds as (
    select
        h.period,
        k.org_id,
        count(distinct (h.file_hash, h.sheet, h.row_number)) as rows_rejected,
        array_to_string(list(distinct h.file_name order by h.file_name), '; ') as rejected_files
    from held_rows as h
    inner join organisation_keys as k on k.lookup = meta.lookup_key(h.row_values ->> 'org')
    where h.kind = 'branch_reports'
    group by h.period, k.org_id
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
        x.submitted_on,
        r.role,
        null::varchar as org_kind,
        coalesce(v.rows_rejected, 0) + coalesce(w.rows_rejected, 0) as rows_rejected,
        nullif(
            array_to_string(
                list_sort(list_distinct(list_concat(v.rejected_files, w.rejected_files))), '; '
            ),
            ''
        ) as rejected_files
    from roster as r
    left join evaluation_receipts as x
        on x.period = r.period
        and x.community_id = r.community_id
        and x.evaluator_key = r.evaluator_key
    left join evaluation_holds as v
        on v.period = r.period
        and v.community_id = r.community_id
        and v.evaluator_key = r.evaluator_key
    left join evaluation_holds as w
        on w.period = r.period
        and w.community_id is null
        and w.evaluator_key = r.evaluator_key
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
        b.submitted_on,
        null::varchar as role,
        o.kind as org_kind,
        coalesce(v.rows_rejected, 0) as rows_rejected,
        v.rejected_files
    from active_organisations as o
    left join branch_reports as b on b.period = o.period and b.org_id = o.org_id
    left join organisation_holds as v on v.period = o.period and v.org_id = o.org_id
),

units as (
    select * from evaluator_units
    union all
    select * from organisation_units
),

timed as (
    select
        u.period,
        u.source,
        u.unit_id,
        u.unit_name,
        u.community_id,
        -- received: a valid report is loaded (rejected forms are counted apart, below).
        u.received,
        -- A received report without a date cannot be shown to be on time: it counts as late.
        coalesce(
            u.received
            and u.submitted_on <= meta.period_end(u.period) + s.report_deadline_days,
            false
        ) as on_time,
        u.submitted_on,
        meta.period_end(u.period) + s.report_deadline_days as deadline,
        u.role,
        u.org_kind,
        u.rows_rejected,
        u.rejected_files
    from units as u
    left join settings as s on true
),

final as (
    select
        *,
        case
            when on_time then 'on_time'
            when received then 'late'
            when rows_rejected > 0 then 'rejected'
            else 'missing'
        end as state,
        received or rows_rejected > 0 as submitted
    from timed
)

select * from final
