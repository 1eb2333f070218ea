-- Produces the period's current party-branch reports for export (grain: one row per organisation report).
with branch_reports as (
    select *
    from core.branch_reports
    where period = ? and superseded_by is null
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
        sheet,
        row_number,
        run_id,
        loaded_at
    from branch_reports
)

select * from final
order by org_id
