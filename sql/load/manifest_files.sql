-- Lists every file loaded or rejected whole and received after the given place in the order of receipt (sequence; 0 for all), in that order: one row per file, with its status (the archive manifest, which a rebuild replays).
select file_hash, file_name, received_at, status
from meta.files
where status in ('loaded', 'rejected') and sequence > ?
order by sequence
