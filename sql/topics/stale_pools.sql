-- The half-year × community pools whose tags do not match their current opinions (an opinion untagged, a tag of an opinion gone or superseded) or were made by another taxonomy (parameter: its fingerprint); one row per pool to tag again.
with current_rows as (
    select source, file_hash, sheet, row_number, period, community_id
    from metrics._current_opinions
),

tags as (
    select source, file_hash, sheet, row_number, period, community_id, taxonomy
    from core.opinion_tags
),

paired as (
    -- Each current opinion beside its tag (a side NULL where it has none); the pool is the tag's,
    -- else the opinion's.
    select
        c.file_hash as opinion_hash,
        t.file_hash as tag_hash,
        t.taxonomy,
        coalesce(t.period, c.period) as period,
        coalesce(t.community_id, c.community_id) as community_id
    from current_rows as c
    full join tags as t
        on t.source = c.source
        and t.file_hash = c.file_hash
        and t.sheet is not distinct from c.sheet
        and t.row_number = c.row_number
),

final as (
    -- An opinion untagged, a tag of an opinion gone or superseded, or a tag by another taxonomy.
    select distinct period, community_id
    from paired
    where tag_hash is null or opinion_hash is null or taxonomy <> ?
)

select * from final
order by period, community_id
