-- Produces the office's current evaluations for the city-wide layout (grain: one row per current evaluation form).
with current_rows as (
    select * exclude (superseded_by, superseded_at)
    from core.evaluations
    where superseded_by is null
),

final as (
    select * from current_rows
)

select * from final
