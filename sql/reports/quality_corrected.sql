-- Quarantined cells of one half-year (or, given NULL, those whose half-year is unknown) in files a corrections workbook has since replaced: how many cells, in how many files (one row).
with params as (
    select ?::varchar as period
),

cells as (
    select distinct q.file_hash, q.sheet, q.row_number, q.column_name, q.rule
    from meta.quarantine as q
    cross join params as p
    where q.period is not distinct from p.period
),

final as (
    select count(*) as cells, count(distinct file_hash) as files
    from cells
    where file_hash not in (select file_hash from metrics._open_quarantine)
)

select * from final
