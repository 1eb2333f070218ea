-- Creates meta.file_accounting: per received file, rows read against rows loaded and quarantined as counted in the tables.
create or replace view meta.file_accounting as
with loaded_rows as (
    select file_hash from core.evaluations
    union all
    select file_hash from core.hearings
    union all
    select file_hash from core.branch_reports
),

loaded as (
    select file_hash, count(*) as n from loaded_rows group by file_hash
),

quarantined as (
    select file_hash, count(distinct (sheet, row_number)) as n
    from meta.quarantine
    group by file_hash
),

final as (
    select
        f.file_hash,
        f.file_name,
        f.run_id,
        f.status,
        f.rows_read,
        coalesce(l.n, 0) as rows_loaded,
        coalesce(q.n, 0) as rows_quarantined
    from meta.files as f
    left join loaded as l on l.file_hash = f.file_hash
    left join quarantined as q on q.file_hash = f.file_hash
)

select *, rows_read = rows_loaded + rows_quarantined as balanced from final;
