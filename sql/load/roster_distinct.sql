-- Each distinct value of the evaluator roster file (parameters: path, column names), by column, to be converted once in Python.
select distinct column_name, value
from (
    unpivot (select * from roster_file(?, ?))
    on period, evaluator, role, community_id
    into name column_name value value
)
