-- Adds one chunk of converted roster values (the registered Arrow table roster_chunk) to roster_mapping, each name masked once here (meta.masked_name) rather than on every row of the roster.
insert into roster_mapping by name
select
    column_name,
    value,
    converted,
    case when column_name = 'evaluator' then meta.masked_name(value) end as masked
from roster_chunk
