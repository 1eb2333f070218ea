-- The distinct names in the evaluator roster file (parameters: path, column names), for masking in free text.
select distinct evaluator
from roster_file(?, ?)
where evaluator is not null
