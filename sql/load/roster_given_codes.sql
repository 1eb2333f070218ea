-- Sets ref.evaluators.code from the roster file's optional code column (parameters: path, column names), each row matched through roster_mapping as replace_evaluators inserted it; blank codes stay NULL.
update ref.evaluators as e
set code = s.code
from (
    select
        coalesce(p.converted, '') as period,
        n.converted as evaluator_key,
        coalesce(c.converted, '') as community_id,
        max(nullif(trim(f.code), '')) as code
    from read_csv(?, all_varchar = true, header = false, skip = 1, names = ?) as f
    inner join roster_mapping as n
        on n.column_name = 'evaluator' and nullif(trim(f.evaluator), '') = n.value
    left join roster_mapping as p
        on p.column_name = 'period' and nullif(trim(f.period), '') = p.value
    left join roster_mapping as c
        on c.column_name = 'community_id' and nullif(trim(f.community_id), '') = c.value
    group by all
) as s
where e.period = s.period
    and e.evaluator_key = s.evaluator_key
    and e.community_id = s.community_id
    and s.code is not null
