-- Produces one metric view's rows for one period; parameters: the qualified view name, the period (grain: the view's own).
with metric as (
    select * from query_table(?)
),

final as (
    select * from metric
    where period = ?
)

select * from final
