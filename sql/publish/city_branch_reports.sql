-- Fills core.branch_reports of the city warehouse with every office's published rows (grain: as in core.branch_reports).
insert into core.branch_reports by name
select * exclude (office) from published
