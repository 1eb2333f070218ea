-- Quarantined cells of one half-year (or, given NULL, those whose half-year is unknown) by dataset, column and rule broken: how many cells, rows and files each holds, with one cell's reason and advice as stored.
with params as (
    select ?::varchar as period
),

cells as (
    select distinct
        q.file_hash,
        q.kind,
        q.sheet,
        q.row_number,
        q.column_name,
        q.rule,
        q.reason_zh,
        q.reason_en,
        q.action_zh,
        q.action_en
    from metrics._open_quarantine as q
    cross join params as p
    where q.period is not distinct from p.period
),

final as (
    select
        kind,
        column_name,
        rule,
        any_value(reason_zh) as reason_zh,
        any_value(reason_en) as reason_en,
        any_value(action_zh) as action_zh,
        any_value(action_en) as action_en,
        count(*) as cells,
        count(distinct (file_hash, sheet, row_number)) as row_count,
        count(distinct file_hash) as files
    from cells
    group by kind, column_name, rule
)

select * from final
order by cells desc, kind, column_name, rule
