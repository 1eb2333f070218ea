-- Stores the run's targets and rules (one row) for the metric views to read.
insert into meta.settings (
    satisfaction_target, satisfaction_definition, min_responses,
    member_target, unit_target, report_deadline_days
) values (?, ?, ?, ?, ?, ?);
