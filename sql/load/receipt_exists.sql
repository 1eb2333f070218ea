-- Tells whether this file, under this name, was already received: one row, one boolean.
select count(*) > 0 from meta.file_receipts where file_hash = ? and file_name = ?
