-- Lists the hashes of every file already received, loaded or rejected: one row per file.
select file_hash from meta.files
