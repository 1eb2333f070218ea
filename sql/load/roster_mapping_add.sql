-- Adds one chunk of converted roster values (the registered Arrow table roster_chunk) to roster_mapping.
insert into roster_mapping by name
select column_name, value, converted
from roster_chunk
