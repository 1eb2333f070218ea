-- Marks as superseded the current forms of every (period, community) that a newer file resubmits.
update core.evaluations as e
set superseded_by = ?, superseded_at = ?
where e.superseded_by is null
  and e.file_hash <> ?
  and exists (
      select 1 from staged_rows as s
      where s.period = e.period and s.community_id = e.community_id
  )
