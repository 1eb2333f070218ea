-- The roster of one half-year (parameter: period) with each evaluator's code and masked name, one row per evaluator and community (grain: community_id × role × evaluator_key), by community and code.
with roster as (
    select distinct community_id, role, evaluator_key
    from ref.evaluators
    where period = ?
),

final as (
    select r.community_id, r.role, r.evaluator_key, c.code, c.masked_name
    from roster as r
    inner join ref.evaluator_codes as c
        on c.community_id = r.community_id
        and c.role = r.role
        and c.evaluator_key = r.evaluator_key
)

select * from final
order by community_id, code
