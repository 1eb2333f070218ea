-- The state of every expected report, one row per half-year × source × expected unit (roster evaluator in a community, or active organisation): on_time or late (a valid report is loaded), rejected (something was received, nothing valid is loaded yet: pending correction) or missing (nothing received) (metrics._reporting_units), with the code and name an organizer reads out.
with units as (
    select * from metrics._reporting_units
),

codes as (
    select community_id, role, evaluator_key, code, masked_name from ref.evaluator_codes
),

final as (
    select
        u.period,
        u.source,
        u.unit_id,
        u.unit_name,
        u.community_id,
        -- What an organizer reads out on the phone: the roster code (never the name), or the
        -- organisation's registry id.
        case when u.source = 'evaluations' then c.code else u.unit_id end as code,
        -- The evaluator's masked name (张*), or the organisation's name.
        case when u.source = 'evaluations' then c.masked_name else u.unit_name end as name,
        u.role,
        u.org_kind,
        u.state,
        u.submitted,
        u.submitted_on,
        u.deadline,
        u.rows_rejected,
        u.rejected_files
    from units as u
    left join codes as c
        on u.source = 'evaluations'
        and c.community_id = u.community_id
        and c.role = u.role
        and c.evaluator_key = u.unit_id
)

select * from final
