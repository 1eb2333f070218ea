-- Fills meta.quarantine of the city warehouse with every office's published cells still to correct (grain: as in meta.quarantine).
insert into meta.quarantine by name
select * exclude (office, row_values), cast(row_values as json) as row_values from published
