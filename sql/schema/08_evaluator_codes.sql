-- Creates ref.evaluator_codes: a stable code per roster evaluator in a community, never a name, and the masked name (张*) shown beside it (grain: community_id × role × evaluator_key). The rows are kept in ref.evaluator_code_rows, filled by load/replace_evaluator_codes whenever the roster is loaded (numbering them is a window over every half-year of the roster: 0.9 s at N=1000 in every query that read a view computing it).
create table if not exists ref.evaluator_code_rows (
    community_id varchar not null,
    role varchar not null,
    evaluator_key varchar not null,
    code varchar,
    masked_name varchar,
    first_period varchar
);

create or replace view ref.evaluator_codes as
select community_id, role, evaluator_key, code, masked_name, first_period
from ref.evaluator_code_rows;
