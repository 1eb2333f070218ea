-- Fills ref.communities of the city warehouse with every office's published rows (grain: as in ref.communities).
insert into ref.communities by name
select * exclude (office) from published
