-- Fills core.evaluations of the city warehouse with every office's published rows (grain: as in core.evaluations).
insert into core.evaluations by name
select * exclude (office) from published
