-- Records the subdistricts the batch's files of one kind name (registered as file_entities: file_hash, entity_id of a community or, for branch reports, an organisation the registry knows), rows loaded or quarantined alike; a subdistrict is the registry's, else read from the code.
insert into meta.file_subdistricts by name
with params as (
    select ?::varchar as entity  -- community | org
),

named as (
    select distinct
        e.file_hash,
        coalesce(
            case p.entity when 'community' then c.subdistrict else o.subdistrict end,
            meta.code_subdistrict(e.entity_id)
        ) as subdistrict
    from file_entities as e
    cross join params as p
    left join ref.communities as c
        on p.entity = 'community' and c.community_id = e.entity_id
    left join ref.organisations as o
        on p.entity = 'org' and o.org_id = e.entity_id
)

select file_hash, subdistrict
from named
where subdistrict is not null
