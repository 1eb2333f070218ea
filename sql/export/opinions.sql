-- Produces one period's tagged opinions for export without their text, as the evaluations are exported without comments, topic codes joined by | so that CSV can hold them (grain: one row per opinion).
with opinions as (
    select *
    from metrics.opinions
    where period = ?
),

final as (
    select
        period,
        community_id,
        source,
        array_to_string(topics, '|') as topics,
        group_id,
        file_hash,
        sheet,
        row_number
    from opinions
)

select * from final
order by community_id, source, file_hash, sheet, row_number
