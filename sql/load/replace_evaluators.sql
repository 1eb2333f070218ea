-- Replaces the evaluator roster with the roster file (parameters: path, column names), each value converted through roster_mapping (names to keyed pseudonyms), with the name masked (roster_mapping.masked); a row without a name is skipped.
insert into ref.evaluators by name
select
    coalesce(p.converted, '') as period,
    n.converted as evaluator_key,
    coalesce(r.converted, '') as role,
    coalesce(c.converted, '') as community_id,
    n.masked as masked_name
from roster_file(?, ?) as s
inner join roster_mapping as n on n.column_name = 'evaluator' and s.evaluator = n.value
left join roster_mapping as p on p.column_name = 'period' and s.period = p.value
left join roster_mapping as r on r.column_name = 'role' and s.role = r.value
left join roster_mapping as c on c.column_name = 'community_id' and s.community_id = c.value
