-- The registry's community and organisation names for dropdowns in corrections workbooks: one row per list and name, none of a list longer than the limit.
with params as (
    select ?::integer as limit_names
),

names as (
    select 'community' as list, name from ref.communities
    union
    select 'org' as list, name from ref.organisations
),

counted as (
    select list, name, count(*) over (partition by list) as names_in_list
    from names
    where nullif(trim(name), '') is not null
),

final as (
    select c.list, c.name
    from counted as c, params as p
    where c.names_in_list <= p.limit_names
)

select * from final
order by list, name
