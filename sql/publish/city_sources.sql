-- Adds to city.sources what the offices published of one dataset (grain: one row per office, dataset and period).
with published_rows as (
    select office, period from published
),

final as (
    select office, ? as dataset, period, count(*) as row_count
    from published_rows
    group by all
)

insert into city.sources
select * from final
