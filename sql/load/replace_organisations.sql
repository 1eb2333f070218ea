-- Replaces the organisation registry with the rows of the registered frame registry_rows.
insert into ref.organisations by name
select org_id, name, kind, community_id, active_from, active_to from registry_rows
