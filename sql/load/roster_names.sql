-- The distinct names in the evaluator roster file (parameters: path, column names), for masking in free text.
select distinct nullif(trim(evaluator), '') as evaluator
from read_csv(?, all_varchar = true, header = false, skip = 1, names = ?)
where nullif(trim(evaluator), '') is not null
