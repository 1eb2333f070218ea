-- The near-duplicate groups of one half-year's opinions per topic (parameters: period, community_id or NULL for all, the smallest community × topic count whose text may be shown); one row per topic × group, largest first, with one text standing for it. Groups of a topic a community raised fewer times than the threshold are left out: their text could name who wrote it.
with tagged as (
    select period, community_id, source, text, group_id, unnest(topics) as topic
    from metrics._tagged_opinions
    where period = ?
),

chosen as (
    select * from tagged where community_id is not distinct from coalesce(?, community_id)
),

cells as (
    select community_id, topic, count(*) as opinions
    from tagged
    group by community_id, topic
),

shown as (
    select c.*
    from chosen as c
    inner join cells as n on n.community_id = c.community_id and n.topic = c.topic
    where n.opinions >= ?
),

final as (
    select
        topic,
        group_id,
        community_id,
        count(*) as opinions,
        -- The shortest wording stands for the group (ties: the first in text order).
        first(text order by length(text), text) as text,
        list(distinct source order by source) as sources
    from shown
    group by topic, group_id, community_id
)

select * from final
order by topic, opinions desc, text
