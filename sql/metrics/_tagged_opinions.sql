-- Current opinions with their topics and near-duplicate group, those that say nothing (无) left out; one row per opinion. Opinions not tagged yet (until the next ingest) are absent.
with opinions as (
    select * from metrics._current_opinions
),

tags as (
    select source, file_hash, sheet, row_number, topics, group_number
    from core.opinion_tags
),

final as (
    select
        o.period,
        o.community_id,
        o.source,
        o.text,
        t.topics,
        o.period || ':' || o.community_id || ':' || t.group_number as group_id,
        o.raised,
        o.resolved,
        o.file_hash,
        o.sheet,
        o.row_number,
        o.run_id,
        o.loaded_at
    from opinions as o
    inner join tags as t
        on t.source = o.source
        and t.file_hash = o.file_hash
        and t.sheet is not distinct from o.sheet
        and t.row_number = o.row_number
    where len(t.topics) > 0
)

select * from final
