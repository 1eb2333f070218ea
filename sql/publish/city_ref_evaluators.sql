-- Fills ref.evaluators of the city warehouse with every office's published rows (grain: as in ref.evaluators).
insert into ref.evaluators by name
select * exclude (office) from published
