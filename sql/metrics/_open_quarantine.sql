-- Helper: the quarantined cells still to correct, with the dataset kind from the file where the cell has none, and each cell's half-year: its own, else its file's (metrics._file_periods), NULL only when neither gives one (grain: as meta.quarantine). A file's cells drop out once a corrections workbook written for it has loaded: the rows fixed in it loaded, and those still wrong are quarantined under the workbook itself.
with corrected as (
    select distinct corrects as file_hash
    from meta.files
    where status = 'loaded' and corrects is not null
),

final as (
    select
        q.* replace (coalesce(q.kind, f.kind) as kind, coalesce(q.period, p.period) as period),
        q.period as period_as_read,
        case when q.period is not null then 'row' else p.evidence end as period_evidence
    from meta.quarantine as q
    left join meta.files as f on f.file_hash = q.file_hash
    left join metrics._file_periods as p on p.file_hash = q.file_hash
    where q.file_hash not in (select file_hash from corrected)
)

select * from final
