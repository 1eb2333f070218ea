-- Replaces the community registry with the rows of the registered frame registry_rows.
insert into ref.communities by name
select community_id, name, cast(households as integer) as households,
       cast(residents as integer) as residents
from registry_rows
