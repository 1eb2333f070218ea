-- How many communities the registry holds (one row): above a limit the report shows subdistricts instead of communities.
with communities as (
    select community_id from ref.communities
),

final as (
    select count(*) as communities from communities
)

select * from final
