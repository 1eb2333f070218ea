-- Marks as superseded the current hearing records that a newer file resubmits (same record key).
update core.hearings as h
set superseded_by = ?, superseded_at = ?
where h.superseded_by is null
  and h.file_hash <> ?
  and exists (select 1 from staged_rows as s where s.record_key = h.record_key)
