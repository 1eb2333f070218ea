-- Fills core.hearings of the city warehouse with every office's published rows (grain: as in core.hearings).
insert into core.hearings by name
select * exclude (office) from published
