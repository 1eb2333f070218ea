-- Produces the period's current evaluations for export, evaluators as pseudonyms and without free-text comments (grain: one row per evaluation).
with evaluations as (
    select *
    from core.evaluations
    where period = ? and superseded_by is null
),

final as (
    select
        period,
        community_id,
        evaluator_key,
        role,
        service_attitude,
        efficiency,
        environment,
        openness,
        practical_results,
        verdict,
        evaluated_on,
        file_hash,
        sheet,
        row_number,
        run_id,
        loaded_at
    from evaluations
)

select * from final
order by community_id, evaluator_key
