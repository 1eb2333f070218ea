-- The satisfaction definition the headline uses for one half-year (one row, or none before views have data).
with headline as (
    select definition
    from metrics.satisfaction
    where period = ? and community_id is null and role is null and is_headline
),

final as (
    select definition from headline limit 1
)

select * from final
