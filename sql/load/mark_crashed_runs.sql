-- Marks runs a killed process left 'running' as 'crashed'; run only while holding the run lock.
update meta.runs
set status = 'crashed', finished_at = coalesce(finished_at, ?)
where status = 'running'
