-- Records the subdistricts the batch's files of one kind name (registered as file_entities: file_hash, entity_id of a community or, for branch reports, an organisation the registry knows), rows loaded or quarantined alike; each subdistrict as meta.subdistrict and meta.org_subdistrict give it.
insert into meta.file_subdistricts by name
with named as (
    select distinct
        file_hash,
        case ?::varchar  -- community | org
            when 'org' then meta.org_subdistrict(entity_id)
            else meta.subdistrict(entity_id)
        end as subdistrict
    from file_entities
)

select file_hash, subdistrict
from named
where subdistrict is not null
