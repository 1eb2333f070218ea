-- Residents' opinions tagged by topic: one row per current opinion (a form's 意见建议, a hearing's 议题) with its period, community, source, masked text, topic codes (ref.topics names them), near-duplicate group and lineage (the file, sheet and row it was read from; core.* has its run).
with tagged as (
    select * from metrics._tagged_opinions
),

final as (
    select
        period,
        community_id,
        source,
        text,
        topics,
        group_id,
        file_hash,
        sheet,
        row_number
    from tagged
)

select * from final
