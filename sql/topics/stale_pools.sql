-- The half-year × community pools whose tags do not match their current opinions (an opinion untagged, a tag of an opinion gone or superseded) or were made by another taxonomy (parameter: its fingerprint); one row per pool to tag again.
with current_rows as (
    select source, file_hash, sheet, row_number, period, community_id
    from metrics._current_opinions
),

tags as (
    select source, file_hash, sheet, row_number, period, community_id, taxonomy
    from core.opinion_tags
),

untagged as (
    select c.period, c.community_id
    from current_rows as c
    left join tags as t
        on t.source = c.source
        and t.file_hash = c.file_hash
        and t.sheet is not distinct from c.sheet
        and t.row_number = c.row_number
    where t.file_hash is null
),

outdated as (
    select t.period, t.community_id
    from tags as t
    left join current_rows as c
        on t.source = c.source
        and t.file_hash = c.file_hash
        and t.sheet is not distinct from c.sheet
        and t.row_number = c.row_number
    where c.file_hash is null or t.taxonomy <> ?
),

final as (
    select period, community_id from untagged
    union
    select period, community_id from outdated
)

select * from final
order by period, community_id
