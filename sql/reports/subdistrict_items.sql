-- Item means of one half-year per subdistrict (the registry's, else the community code before "-": meta.subdistrict; NULL when neither gives one) and over all communities (is_total), weighted by each community's responses.
with scores as (
    select
        meta.subdistrict(community_id) as subdistrict,
        item,
        responses,
        mean
    from metrics.item_scores
    where period = ? and community_id is not null
),

final as (
    select
        subdistrict,
        grouping(subdistrict) = 1 as is_total,
        item,
        sum(responses) as responses,
        -- A community's mean times its responses is the sum of its ratings.
        sum(mean * responses) / nullif(sum(responses), 0) as mean
    from scores
    group by grouping sets ((subdistrict, item), (item))
)

select * from final
order by is_total, subdistrict nulls last, item
