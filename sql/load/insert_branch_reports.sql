-- Inserts the valid branch reports of one table (staged_rows), one row per organisation and half-year, with lineage.
insert into core.branch_reports by name
select
    period, org_id, members_total, members_participating, in_service_registered,
    floating_members, activities, took_part, cast(submitted_on as date) as submitted_on,
    file_hash, sheet, row_number,
    ? as run_id, ? as loaded_at
from staged_rows
