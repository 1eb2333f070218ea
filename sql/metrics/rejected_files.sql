-- Files rejected whole (not a table, unreadable, columns missing), with the half-year and the community their name gives, so that a gap list can show them under the community that sent them (grain: file_hash). community_id is NULL unless the name holds exactly one registered community's name or `-<id>-` (as minyi's forms are named).
with rejected as (
    select file_hash, file_name, received_at, reason_zh, reason_en
    from meta.files
    where status = 'rejected'
),

named as (
    select r.file_hash, c.community_id
    from rejected as r
    inner join ref.communities as c
        on contains(r.file_name, c.name) or contains(r.file_name, '-' || c.community_id || '-')
),

single as (
    select file_hash, any_value(community_id) as community_id
    from named
    group by file_hash
    having count(distinct community_id) = 1
),

final as (
    select
        meta.period_in_name(r.file_name) as period,
        s.community_id,
        r.file_hash,
        r.file_name,
        r.received_at,
        r.reason_zh,
        r.reason_en
    from rejected as r
    left join single as s on s.file_hash = r.file_hash
)

select * from final
