-- Replaces the community registry with the rows of the registered frame registry_rows; a community without a subdistrict gets the one its code names.
insert into ref.communities by name
select community_id, name, cast(households as integer) as households,
       cast(residents as integer) as residents,
       coalesce(subdistrict, meta.code_subdistrict(community_id)) as subdistrict
from registry_rows
