-- Locks an analyst's query connection: no progress bar on standard output (it would land inside CSV output), no file system at all (the warehouse file's own bytes included), then no setting can change.
set enable_progress_bar = false;
set disabled_filesystems = 'LocalFileSystem';
set lock_configuration = true;
