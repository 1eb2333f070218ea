-- Replaces ref.topics with the taxonomy in the registered frame taxonomy_rows (parameter: its fingerprint); one row per topic.
insert into ref.topics by name
with topics as (
    select topic, name_zh, name_en, position, is_fallback from taxonomy_rows
),

final as (
    select
        topic,
        name_zh,
        name_en,
        cast(position as integer) as position,
        cast(is_fallback as boolean) as is_fallback,
        ? as taxonomy
    from topics
)

select * from final
