-- Replaces the evaluator roster (pseudonymised) with the rows of the registered frame registry_rows.
insert into ref.evaluators by name
select period, evaluator_key, role, community_id from registry_rows
