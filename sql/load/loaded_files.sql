-- Lists every file whose rows were loaded, in the order first received: one row per file.
select file_hash, file_name, received_at
from meta.files
where status = 'loaded'
order by sequence
