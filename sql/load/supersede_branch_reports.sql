-- Marks as superseded the current reports of every (period, organisation) that a newer file resubmits.
update core.branch_reports as b
set superseded_by = ?, superseded_at = ?
where b.superseded_by is null
  and b.file_hash <> ?
  and exists (
      select 1 from staged_rows as s where s.period = b.period and s.org_id = b.org_id
  )
