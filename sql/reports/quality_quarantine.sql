-- Quarantined cells of one half-year (or, given NULL, those whose half-year is unknown), one row per cell, at most the given number of them (NULL: all).
with params as (
    select ?::varchar as period, ?::bigint as listed
),

final as (
    select distinct
        q.file_name,
        q.file_hash,
        q.kind,
        q.sheet,
        q.row_number,
        q.column_name,
        q.value,
        q.reason_zh,
        q.reason_en,
        q.action_zh,
        q.action_en
    from metrics._open_quarantine as q
    cross join params as p
    where q.period is not distinct from p.period
)

select * from final
order by file_name, sheet, row_number, column_name
limit (select listed from params)
