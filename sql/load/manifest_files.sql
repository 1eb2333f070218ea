-- Lists every file loaded or rejected whole, in the order first received: one row per file, with its status (the archive manifest, which a rebuild replays).
select file_hash, file_name, received_at, status
from meta.files
where status in ('loaded', 'rejected')
order by sequence
