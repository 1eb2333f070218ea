-- Produces the office's registry communities for the city-wide layout (grain: one row per registry row).
with registry as (
    select * from ref.communities
),

final as (
    select * from registry
)

select * from final
