-- Fills ref.organisations of the city warehouse with every office's published rows (grain: as in ref.organisations).
insert into ref.organisations by name
select * exclude (office) from published
