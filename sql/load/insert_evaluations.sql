-- Inserts the valid evaluation forms of one table (registered as staged_rows), one row per form, with lineage.
insert into core.evaluations by name
select
    period, community_id, evaluator_key, role,
    service_attitude, efficiency, environment, openness, practical_results,
    verdict, comments, cast(evaluated_on as date) as evaluated_on,
    file_hash, sheet, row_number,
    ? as run_id, ? as loaded_at
from staged_rows
