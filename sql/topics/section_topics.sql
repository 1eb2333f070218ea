-- The topics raised in one half-year in one community (parameters: period, community_id; NULL = all communities), most raised first, with count, share, change against the previous half-year and resolution; one row per topic raised this half-year or the one before.
with cells as (
    select *
    from metrics.opinion_topics
    where period = ? and community_id is not distinct from ?
),

final as (
    select
        topic,
        name_zh,
        name_en,
        is_fallback,
        opinions,
        requests,
        share,
        opinions_previous,
        change,
        share_previous,
        share_change,
        hearings,
        raised,
        resolved,
        resolution_rate
    from cells
)

select * from final
order by opinions desc, is_fallback, topic
