-- Each distinct value of the evaluator roster file (parameters: path, column names), by column, to be converted once in Python.
with roster as (
    select
        nullif(trim(period), '') as period,
        nullif(trim(evaluator), '') as evaluator,
        nullif(trim(role), '') as role,
        nullif(trim(community_id), '') as community_id
    from read_csv(?, all_varchar = true, header = false, skip = 1, names = ?)
)

select distinct column_name, value
from (unpivot roster on period, evaluator, role, community_id into name column_name value value)
