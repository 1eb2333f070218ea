-- Inserts the quarantined cells of one table (registered as quarantine_rows): one row per failed cell.
insert into meta.quarantine by name
select
    run_id, file_hash, file_name, kind, sheet, row_number, column_name, value, rule,
    reason_zh, reason_en, action_zh, action_en, period, cast(row_values as json) as row_values
from quarantine_rows
