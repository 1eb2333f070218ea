-- Forms per community of one half-year, with its subdistrict: what small-cell suppression needs.
with sizes as (
    select community_id, responses
    from metrics.satisfaction
    where period = ? and definition = ? and community_id is not null and role is null
),

final as (
    select
        community_id,
        meta.subdistrict(community_id) as subdistrict,
        responses
    from sizes
)

select * from final
