-- Missing and late reports of one half-year counted per subdistrict (the code before "-" of the community, or of the organisation directly under the subdistrict) and source.
with params as (
    select ?::varchar as period
),

gaps as (
    select
        g.source,
        g.status,
        nullif(
            regexp_extract(
                coalesce(g.community_id, case when g.source = 'branch_reports' then g.unit_id end),
                '^([^-]+)-',
                1
            ),
            ''
        ) as subdistrict
    from metrics.reporting_gaps as g, params as p
    where g.period = p.period
),

final as (
    select
        subdistrict,
        source,
        count(*) filter (where status = 'missing') as missing,
        count(*) filter (where status = 'late') as late
    from gaps
    group by subdistrict, source
)

select * from final
order by subdistrict nulls last, source desc
