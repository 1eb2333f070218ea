-- Quarantined rows to correct for one half-year (their own or their file's, metrics._open_quarantine; for the latest half-year also those whose half-year is unknown), one row per file, sheet and row number, with the subdistricts the file's rows named when it loaded (meta.file_subdistricts) and the subdistrict the row names (by a registry name or code, when only one subdistrict has it); each file's rows together.
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

file_subdistricts as (
    -- Empty for a file loaded before minyi recorded them, or whose rows name no known one.
    select n.file_hash, list(distinct s.subdistrict order by s.subdistrict) as file_subdistricts
    from file_names as n
    inner join meta.file_subdistricts as s on s.file_hash = n.file_hash
    group by n.file_hash
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

community_names as (
    -- Each community name with its subdistrict; NULL when several subdistricts have it.
    select
        name,
        case when count(distinct subdistrict) = 1 then any_value(subdistrict) end
            as subdistrict
    from ref.communities
    group by name
),

organisation_names as (
    -- Each organisation name and code with its subdistrict; NULL when several have it.
    select
        key,
        case when count(distinct subdistrict) = 1 then any_value(subdistrict) end
            as subdistrict
    from (
        select name as key, subdistrict from ref.organisations
        union all
        select org_id as key, subdistrict from ref.organisations
    )
    group by key
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
        -- The evaluator as organizers know them: roster code and masked name, never the name
        -- (a subquery: DuckDB reads the codes of these evaluators only, not the roster's).
        case when r.kind = 'evaluations' then (
            select min(k.code || ' ' || k.masked_name)
            from ref.evaluator_codes as k
            where k.evaluator_key = json_extract_string(r.row_values, '$.evaluator')
        ) end as evaluator_label,
        coalesce(s.file_subdistricts, []) as file_subdistricts,
        coalesce(c.subdistrict, o.subdistrict) as row_subdistrict
    from rows_to_correct as r
    inner join file_names as n on n.file_hash = r.file_hash
    left join file_subdistricts as s on s.file_hash = r.file_hash
    left join community_names as c
        on c.name = json_extract_string(r.row_values, '$.community')
    left join organisation_names as o
        on o.key = json_extract_string(r.row_values, '$.org')
)

select * from final
order by file_name, file_hash, sheet, row_number
