-- Fills ref.evaluator_code_rows (ref.evaluator_codes) from ref.evaluators once the roster is loaded: a stable code per roster evaluator in a community, never a name, and the masked name (张*) shown beside it (grain: community_id × role × evaluator_key): the roster file's own code when it has a code column, else C03-R017 (community, role letter, number). Numbers follow the first half-year an evaluator is on the roster, then the keyed pseudonym: an evaluator keeps the code across runs and half-years, and newcomers get the next numbers.
insert into ref.evaluator_code_rows by name
with given as (
    -- The latest half-year's code the office gave, if any: apart from the roster's other
    -- figures, as most rosters have no codes (a filtered aggregate over every roster row took
    -- 2.2 s of 12 s at N=9000, with no code to find).
    select
        community_id,
        role,
        evaluator_key,
        max_by(code, period) as given_code
    from ref.evaluators
    where code is not null
    group by community_id, role, evaluator_key
),

roster as (
    select
        community_id,
        role,
        evaluator_key,
        min(period) as first_period,
        max_by(masked_name, period) as masked_name
    from ref.evaluators
    group by community_id, role, evaluator_key
),

numbered as (
    select
        *,
        row_number() over (
            partition by community_id, role order by first_period, evaluator_key
        ) as number
    from roster
),

final as (
    select
        community_id,
        role,
        evaluator_key,
        coalesce(given_code, community_id || '-'
        || case role
            when 'deputy' then 'D'
            when 'cppcc_member' then 'P'
            when 'resident_rep' then 'R'
            when 'unit_rep' then 'U'
            else 'X'
        end
        || lpad(number::varchar, 3, '0')) as code,
        masked_name,
        first_period
    from numbered
    left join given using (community_id, role, evaluator_key)
)

select * from final
