-- Every current opinion with its lineage: a form's 意见建议 (source evaluations) and a hearing's, meeting's or visit's 议题 (source hearings, with the event's 收集意见数 and 办结数); one row per opinion, blank text left out.
with evaluations as (
    select
        'evaluations' as source,
        period,
        community_id,
        trim(comments) as text,
        file_hash,
        sheet,
        row_number,
        run_id,
        loaded_at,
        cast(null as integer) as raised,
        cast(null as integer) as resolved
    from core.evaluations
    where superseded_by is null and nullif(trim(comments), '') is not null
),

hearings as (
    select
        'hearings' as source,
        period,
        community_id,
        trim(topic) as text,
        file_hash,
        sheet,
        row_number,
        run_id,
        loaded_at,
        opinions_raised as raised,
        opinions_resolved as resolved
    from core.hearings
    where superseded_by is null and nullif(trim(topic), '') is not null
),

final as (
    select * from evaluations
    union all by name
    select * from hearings
)

select * from final
