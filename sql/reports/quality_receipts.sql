-- Each receipt of a file that concerns one half-year (rows in it, or no half-year at all), with its outcome.
with params as (
    select ?::varchar as period
),

row_files as (
    select period, file_hash, superseded_by from core.evaluations
    union all
    select period, file_hash, superseded_by from core.hearings
    union all
    select period, file_hash, superseded_by from core.branch_reports
),

file_periods as (
    select file_hash, period from row_files
    union
    select file_hash, period from meta.quarantine
),

period_files as (
    select distinct fp.file_hash
    from file_periods as fp, params as p
    where fp.period = p.period
),

unfiled as (
    -- Rejected whole, or nothing with a readable half-year: shown in every half-year's report.
    select f.file_hash
    from meta.files as f
    anti join file_periods as fp on fp.file_hash = f.file_hash and fp.period is not null
),

superseded as (
    select r.file_hash
    from row_files as r, params as p
    where r.period = p.period
    group by r.file_hash
    having bool_and(r.superseded_by is not null)
),

final as (
    select
        rc.run_id,
        rc.file_name,
        f.kind,
        rc.received_at,
        -- A duplicate receipt loads nothing: the counts belong to the first receipt.
        case when rc.outcome = 'duplicate' then 0 else f.rows_read end as rows_read,
        case when rc.outcome = 'duplicate' then 0 else f.rows_loaded end as rows_loaded,
        case when rc.outcome = 'duplicate' then 0 else f.rows_quarantined end as rows_quarantined,
        case
            when rc.outcome = 'loaded' and s.file_hash is not null then 'superseded'
            else rc.outcome
        end as outcome,
        rc.file_hash
    from meta.file_receipts as rc
    left join meta.files as f on f.file_hash = rc.file_hash
    left join superseded as s on s.file_hash = rc.file_hash
    where rc.file_hash in (select file_hash from period_files)
        or rc.file_hash in (select file_hash from unfiled)
)

select * from final
order by received_at, file_name
