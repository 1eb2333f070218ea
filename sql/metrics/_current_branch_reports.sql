-- Helper: the one current branch report per organisation and half-year (grain: period × org_id).
with reports as (
    select *
    from core.branch_reports
    where superseded_by is null
),

ranked as (
    -- Two current reports for one organisation and period should not happen (a later file
    -- supersedes an earlier one); if it does, the latest submission wins, then the latest load.
    select
        *,
        row_number() over (
            partition by period, org_id
            order by submitted_on desc nulls last, loaded_at desc, file_hash, row_number
        ) as report_rank
    from reports
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
    from ranked
    where report_rank = 1
)

select * from final
