-- Helper: the one current branch report per organisation and half-year (grain: period × org_id).
with reports as (
    select *
    from core.branch_reports
    where superseded_by is null
),

repeated as (
    -- Organisations and half-years with two current reports: should not happen (a later file
    -- supersedes an earlier one), so only these few are ranked (ranking all costs a sort).
    select period, org_id
    from reports
    group by period, org_id
    having count(*) > 1
),

ranked as (
    -- Of an organisation's two current reports, the latest submission wins, then the latest load.
    select
        r.*,
        row_number() over (
            partition by r.period, r.org_id
            order by r.submitted_on desc nulls last, r.loaded_at desc, r.file_hash, r.row_number
        ) as report_rank
    from reports as r
    semi join repeated as d on d.period = r.period and d.org_id = r.org_id
),

current_reports as (
    select r.*
    from reports as r
    anti join repeated as d on d.period = r.period and d.org_id = r.org_id
    union all by name
    select * exclude (report_rank)
    from ranked
    where report_rank = 1
),

final as (
    select
        period,
        org_id,
        members_total,
        members_participating,
        in_service_registered,
        floating_members,
        activities,
        took_part,
        submitted_on,
        file_hash,
        loaded_at
    from current_reports
)

select * from final
