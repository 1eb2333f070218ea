-- Produces the office's current hearing records for the city-wide layout (grain: one row per current hearing record).
with current_rows as (
    select * exclude (superseded_by, superseded_at)
    from core.hearings
    where superseded_by is null
),

final as (
    select * from current_rows
)

select * from final
