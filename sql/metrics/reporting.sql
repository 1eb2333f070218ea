-- Completeness and timeliness of reporting per half-year × source (evaluations, branch_reports); timeliness is on_time / expected, DHIS2's "reporting rate on time".
with units as (
    select period, source, received, on_time
    from metrics._reporting_units
),

sources as (
    select * from (values ('evaluations'), ('branch_reports')) as s (source)
),

periods as (
    select period from core.evaluations where superseded_by is null
    union
    select period from metrics._current_branch_reports
),

counts as (
    -- Every period lists both sources, even one with nothing expected.
    select
        p.period,
        s.source,
        count(u.period) as expected,
        count(u.period) filter (where u.received) as received,
        count(u.period) filter (where u.on_time) as on_time
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
        received,
        on_time,
        received::double / nullif(expected, 0) as completeness,
        on_time::double / nullif(expected, 0) as timeliness,
        received - on_time as late,
        expected - received as missing
    from counts
)

select * from final
