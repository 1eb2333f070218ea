-- Creates the temporary table published: every office's files of one dataset, with the office from the folder name (grain: as published).
create or replace temp table published as
with files as (
    select *
    from read_parquet(?, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)
),

final as (
    select * from files
)

select * from final
