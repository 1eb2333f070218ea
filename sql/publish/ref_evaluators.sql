-- Produces the office's registry evaluators for the city-wide layout (grain: one row per registry row).
with registry as (
    select * from ref.evaluators
),

final as (
    select * from registry
)

select * from final
