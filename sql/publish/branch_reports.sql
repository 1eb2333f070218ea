-- Produces the office's current branch reports for the city-wide layout (grain: one row per current branch report).
with current_rows as (
    select * exclude (superseded_by, superseded_at)
    from core.branch_reports
    where superseded_by is null
),

final as (
    select * from current_rows
)

select * from final
