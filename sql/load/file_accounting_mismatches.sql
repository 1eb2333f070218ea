-- Lists the files of a run whose rows read differ from rows loaded plus rows quarantined, counted in the tables.
select file_name, rows_read, rows_loaded, rows_quarantined
from meta.file_accounting
where run_id = ? and not balanced
