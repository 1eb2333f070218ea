-- Produces the office's registry organisations for the city-wide layout (grain: one row per registry row).
with registry as (
    select * from ref.organisations
),

final as (
    select * from registry
)

select * from final
