-- Opinions per topic over the half-years up to one (parameters: first period, last period, community_id; NULL = all communities); one row per half-year × topic raised in it.
with cells as (
    select period, topic, name_zh, name_en, is_fallback, opinions, share
    from metrics.opinion_topics
    where period between ? and ? and community_id is not distinct from ? and opinions > 0
),

final as (
    select * from cells
)

select * from final
order by period, opinions desc, topic
