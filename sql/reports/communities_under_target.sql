-- Communities of one half-year under the satisfaction target (below first, then lowest rate), at most a given number, leaving out the hidden ones; each row carries the counts of all such communities.
with params as (
    select
        ?::varchar as period,
        ?::varchar as definition,
        ?::varchar[] as hidden,
        ?::integer as max_rows
),

under as (
    select
        s.community_id,
        meta.subdistrict(s.community_id) as subdistrict,
        s.responses,
        s.rate,
        s.ci_low,
        s.ci_high,
        s.verdict,
        s.small_sample
    from metrics.satisfaction as s, params as p
    where s.period = p.period and s.definition = p.definition
        and s.community_id is not null and s.role is null
        and s.verdict in ('below', 'borderline')
        and not list_contains(p.hidden, s.community_id)
),

final as (
    select
        u.*,
        coalesce(c.name, u.community_id) as community_name,
        count(*) over () as under_target,
        count(*) filter (where u.verdict = 'below') over () as below_target
    from under as u
    left join ref.communities as c on c.community_id = u.community_id
)

select * from final
order by verdict = 'borderline', rate, community_name, community_id
limit (select max_rows from params)
