-- Quarantined cells still to correct whose half-year neither the row nor its file gives (期间不明), one row per cell, with the latest half-year with data (shown_in_period): the one report that lists them, once.
with cells as (
    select * from metrics._open_quarantine where period is null
),

latest as (
    select max(period) as period from metrics._periods
),

final as (
    select
        c.file_hash,
        c.file_name,
        c.kind,
        c.sheet,
        c.row_number,
        c.column_name,
        c.value,
        c.rule,
        c.reason_zh,
        c.reason_en,
        c.action_zh,
        c.action_en,
        l.period as shown_in_period
    from cells as c
    cross join latest as l
)

select * from final
