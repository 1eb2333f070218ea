-- Gives a file's place in the order of receipt (meta.files.sequence); no row for a file this warehouse never received.
select sequence
from meta.files
where file_hash = ?
