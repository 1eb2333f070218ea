-- Reports missing, rejected or late of one half-year, named by roster code and masked name or by organisation (never a person's name in clear); one row per expected report.
with gaps as (
    select *
    from metrics.reporting_gaps
    where period = ?
),

final as (
    select
        g.source,
        coalesce(c.name, g.community_id) as community_name,
        g.code,
        g.name,
        g.role,
        g.org_kind,
        g.status,
        g.submitted_on,
        g.rows_rejected
    from gaps as g
    left join ref.communities as c on c.community_id = g.community_id
)

select * from final
order by community_name nulls last, source desc, status, code
