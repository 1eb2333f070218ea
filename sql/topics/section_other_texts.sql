-- The texts of one half-year's opinions tagged with the fallback topic (其他), for their frequent words (parameters: period, community_id or NULL for all); one row per opinion.
with tagged as (
    select community_id, text, topics
    from metrics._tagged_opinions
    where period = ?
),

fallback as (
    select topic from ref.topics where is_fallback
),

final as (
    select t.community_id, t.text
    from tagged as t
    inner join fallback as f on list_contains(t.topics, f.topic)
    where t.community_id is not distinct from coalesce(?, t.community_id)
)

select * from final
order by community_id, text
