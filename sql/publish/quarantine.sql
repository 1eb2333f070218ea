-- Produces the office's quarantined cells still to correct for the city-wide layout, each with its attributed half-year, the row reduced to who and where it names (evaluator pseudonym, community, organisation as typed): what the city's reporting states need to tell a rejected form from a missing one (grain: one row per cell).
with cells as (
    select * from metrics._open_quarantine
),

final as (
    select
        run_id,
        file_hash,
        file_name,
        kind,
        sheet,
        row_number,
        column_name,
        value,
        rule,
        reason_zh,
        reason_en,
        action_zh,
        action_en,
        period,
        json_object(
            'evaluator', row_values ->> 'evaluator',
            'community', row_values ->> 'community',
            'org', row_values ->> 'org'
        )::varchar as row_values
    from cells
)

select * from final
