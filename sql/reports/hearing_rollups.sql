-- Hearings and visits of one half-year over all communities: per kind and in total (community_id NULL; kind NULL = all).
with hearings as (
    select *
    from metrics.hearings
    where period = ? and community_id is null
),

final as (
    select h.*, null::varchar as community_name
    from hearings as h
)

select * from final
order by kind nulls last
