-- Missing, rejected (to correct) and late reports of one half-year counted per subdistrict (the community's, or for a branch directly under the subdistrict the organisation's: see meta.subdistrict) and source.
with params as (
    select ?::varchar as period
),

gaps as (
    select
        g.source,
        g.status,
        case
            when g.community_id is not null then meta.subdistrict(g.community_id)
            when g.source = 'branch_reports' then meta.org_subdistrict(g.unit_id)
        end as subdistrict
    from metrics.reporting_gaps as g, params as p
    where g.period = p.period
),

final as (
    select
        subdistrict,
        source,
        count(*) filter (where status = 'missing') as missing,
        count(*) filter (where status = 'rejected') as rejected,
        count(*) filter (where status = 'late') as late
    from gaps
    group by subdistrict, source
)

select * from final
order by subdistrict nulls last, source desc
