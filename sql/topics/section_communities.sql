-- The communities with tagged opinions in one half-year (parameter: period), in code order; one row per community.
with opinions as (
    select community_id from metrics.opinions where period = ?
),

final as (
    select distinct community_id from opinions
)

select * from final
order by community_id
