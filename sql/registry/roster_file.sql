-- The evaluator roster file as a table: roster_file(path, column names in the file's order), text trimmed, empty cells missing.
create or replace temp macro roster_file(path, columns) as table
select
    nullif(trim(period), '') as period,
    nullif(trim(evaluator), '') as evaluator,
    nullif(trim(role), '') as role,
    nullif(trim(community_id), '') as community_id
from read_csv(path, all_varchar = true, header = false, skip = 1, names = columns)
