-- Replaces the organisation registry with the rows of the registered frame registry_rows (after the communities); an organisation without a subdistrict gets its community's, else the one its code names.
insert into ref.organisations by name
select
    r.org_id, r.name, r.kind, r.community_id, r.active_from, r.active_to,
    coalesce(
        r.subdistrict, c.subdistrict,
        meta.code_subdistrict(r.community_id), meta.code_subdistrict(r.org_id)
    ) as subdistrict
from registry_rows as r
left join ref.communities as c on c.community_id = r.community_id
