-- Lists corrections workbooks loaded by a minyi older than meta.files.corrects (the file each was written for is unknown): hash and name, to read the marker from the archived copy.
select file_hash, file_name
from meta.files
where status = 'loaded' and is_correction and corrects is null
order by sequence
