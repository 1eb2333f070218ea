-- Quarantined rows to correct for one half-year (their own or their file's, metrics._open_quarantine; for the latest half-year also those whose half-year is unknown), one row per file, sheet and row number, with the subdistrict the file's rows name; each file's rows together.
with params as (
    select ?::varchar as period
),

cells as (
    select q.*
    from metrics._open_quarantine as q, params as p
    -- Rows whose half-year neither they nor their file give (期间不明) go with the latest
    -- half-year only (metrics.quarantine_period_unknown), not into every half-year's folder.
    where (
        q.period = p.period
        or (q.period is null and p.period = (select max(period) from metrics._periods))
    )
    and q.row_number is not null
),

file_names as (
    -- One name per file, so that a file's rows stay together in the order below.
    select c.file_hash, coalesce(any_value(f.file_name), any_value(c.file_name)) as file_name
    from cells as c
    left join meta.files as f on f.file_hash = c.file_hash
    group by c.file_hash
),

rows_to_correct as (
    select
        c.file_hash,
        any_value(c.kind) as kind,
        c.sheet,
        c.row_number,
        any_value(c.row_values)::varchar as row_values,
        list(
            {
                'column_name': c.column_name,
                'reason_zh': c.reason_zh,
                'reason_en': c.reason_en,
                'action_zh': c.action_zh,
                'action_en': c.action_en
            }
            order by c.column_name, c.rule
        ) as problems
    from cells as c
    group by c.file_hash, c.sheet, c.row_number
),

named_subdistricts as (
    -- Subdistricts the file's rows name: loaded rows by their community or organisation,
    -- quarantined rows by a registry name or code they give.
    select e.file_hash, c.subdistrict
    from core.evaluations as e
    inner join ref.communities as c on c.community_id = e.community_id
    where e.file_hash in (select file_hash from file_names)
    union all
    select h.file_hash, c.subdistrict
    from core.hearings as h
    inner join ref.communities as c on c.community_id = h.community_id
    where h.file_hash in (select file_hash from file_names)
    union all
    select b.file_hash, o.subdistrict
    from core.branch_reports as b
    inner join ref.organisations as o on o.org_id = b.org_id
    where b.file_hash in (select file_hash from file_names)
    union all
    select r.file_hash, c.subdistrict
    from rows_to_correct as r
    inner join ref.communities as c
        on c.name = json_extract_string(r.row_values, '$.community')
    union all
    select r.file_hash, o.subdistrict
    from rows_to_correct as r
    inner join ref.organisations as o on o.name = json_extract_string(r.row_values, '$.org')
    union all
    select r.file_hash, o.subdistrict
    from rows_to_correct as r
    inner join ref.organisations as o on o.org_id = json_extract_string(r.row_values, '$.org')
),

file_subdistricts as (
    -- The file's subdistrict when its rows name one only (a subdistrict office's file):
    -- its workbook's dropdowns then offer that subdistrict's names.
    select
        file_hash,
        case when count(distinct subdistrict) = 1 then any_value(subdistrict) end
            as subdistrict
    from named_subdistricts
    where subdistrict is not null
    group by file_hash
),

codes as (
    -- The evaluator as organizers know them: roster code and masked name, never the name.
    select evaluator_key, min(code || ' ' || masked_name) as evaluator_label
    from ref.evaluator_codes
    group by evaluator_key
),

final as (
    select
        r.file_hash,
        n.file_name,
        r.kind,
        r.sheet,
        r.row_number,
        r.row_values,
        r.problems,
        k.evaluator_label,
        s.subdistrict
    from rows_to_correct as r
    inner join file_names as n on n.file_hash = r.file_hash
    left join file_subdistricts as s on s.file_hash = r.file_hash
    left join codes as k
        on r.kind = 'evaluations'
        and k.evaluator_key = json_extract_string(r.row_values, '$.evaluator')
)

select * from final
order by file_name, file_hash, sheet, row_number
