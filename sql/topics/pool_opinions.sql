-- The current opinions of the pools in the registered frame stale_pools, in the order near-duplicate groups are numbered (by source and lineage: a rebuild numbers them as the incremental loads did); one row per opinion.
with pools as (
    select period, community_id from stale_pools
),

opinions as (
    select source, file_hash, sheet, row_number, period, community_id, text
    from metrics._current_opinions
),

final as (
    select o.source, o.file_hash, o.sheet, o.row_number, o.period, o.community_id, o.text
    from opinions as o
    inner join pools as p on p.period = o.period and p.community_id = o.community_id
    order by o.period, o.community_id, o.source, o.file_hash, o.sheet, o.row_number
)

select * from final
