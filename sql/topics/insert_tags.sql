-- Inserts the tags in the registered frame new_tags: one row per opinion of the pools tagged again.
insert into core.opinion_tags by name
with tags as (
    select source, file_hash, sheet, row_number, period, community_id, topics, group_number
    from new_tags
),

final as (
    select
        source,
        file_hash,
        sheet,
        cast(row_number as integer) as row_number,
        period,
        community_id,
        cast(topics as varchar[]) as topics,
        cast(group_number as integer) as group_number,
        ? as taxonomy
    from tags
)

select * from final
