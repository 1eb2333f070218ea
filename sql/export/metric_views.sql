-- Produces the names of the metric views an export includes: public views (no leading underscore) with a period column (grain: one row per view).
with views as (
    select schema_name, view_name
    from duckdb_views()
    where schema_name = 'metrics' and not starts_with(view_name, '_')
),

with_period as (
    select distinct schema_name, table_name as view_name
    from duckdb_columns()
    where schema_name = 'metrics' and column_name = 'period'
),

final as (
    select v.view_name
    from views as v
    inner join with_period as p on p.schema_name = v.schema_name and p.view_name = v.view_name
)

select view_name from final
order by view_name
