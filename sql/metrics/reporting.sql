-- Completeness and timeliness of reporting per half-year × source (evaluations, branch_reports). received counts every report received, valid (loaded) or not (rejected); timeliness is on_time / expected over loaded reports only, DHIS2's "reporting rate on time".
with units as (
    select period, source, state
    from metrics._reporting_units
),

sources as (
    select * from (values ('evaluations'), ('branch_reports')) as s (source)
),

periods as (
    select period from metrics._periods
),

counts as (
    -- Every period lists both sources, even one with nothing expected.
    select
        p.period,
        s.source,
        count(u.period) as expected,
        count(u.period) filter (where u.state in ('on_time', 'late')) as loaded,
        count(u.period) filter (where u.state = 'on_time') as on_time,
        count(u.period) filter (where u.state = 'late') as late,
        count(u.period) filter (where u.state = 'rejected') as rejected,
        count(u.period) filter (where u.state = 'missing') as missing
    from periods as p
    cross join sources as s
    left join units as u on u.period = p.period and u.source = s.source
    group by p.period, s.source
),

final as (
    select
        period,
        source,
        expected,
        loaded + rejected as received,
        on_time,
        (loaded + rejected)::double / nullif(expected, 0) as completeness,
        on_time::double / nullif(expected, 0) as timeliness,
        late,
        missing,
        rejected,
        loaded
    from counts
)

select * from final
