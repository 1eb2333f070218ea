-- Mean and sample standard deviation of each rated item (1-5) per half-year × community, plus all communities (community_id NULL).
with evaluations as (
    select
        period,
        community_id,
        service_attitude,
        efficiency,
        environment,
        openness,
        practical_results
    from core.evaluations
    where superseded_by is null
),

ratings as (
    -- UNPIVOT drops NULL ratings: an item left blank is not a response for that item.
    unpivot evaluations
    on service_attitude, efficiency, environment, openness, practical_results
    into name item value rating
),

final as (
    select
        period,
        community_id,
        item,
        count(rating) as responses,
        avg(rating) as mean,
        stddev_samp(rating) as sd
    from ratings
    group by grouping sets ((period, community_id, item), (period, item))
)

select * from final
