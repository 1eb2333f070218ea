-- How many opinions one half-year's current forms carry per subdistrict (the registry's, else the community code before "-": meta.subdistrict; NULL when neither gives one), and from how many communities.
with forms as (
    select community_id
    from core.evaluations
    where period = ? and superseded_by is null and nullif(trim(comments), '') is not null
),

final as (
    select
        meta.subdistrict(community_id) as subdistrict,
        count(distinct community_id) as communities,
        count(*) as opinions
    from forms
    group by 1
)

select * from final
order by subdistrict nulls last
