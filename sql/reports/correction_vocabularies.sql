-- The registry's community and organisation names for dropdowns in corrections workbooks: one row per list and subdistrict (names in order), and one per list for the whole registry (whole_registry true); none with more names than the limit.
with params as (
    select ?::integer as limit_names
),

names as (
    select 'community' as list, subdistrict, name from ref.communities
    union
    select 'org' as list, subdistrict, name from ref.organisations
),

named as (
    select list, subdistrict, name
    from names
    where nullif(trim(name), '') is not null
),

lists as (
    -- grouping(subdistrict) is 1 on the rows of the whole registry.
    select
        list,
        subdistrict,
        grouping(subdistrict) = 1 as whole_registry,
        list_sort(list(distinct name)) as names
    from named
    group by grouping sets ((list, subdistrict), (list))
),

final as (
    select l.list, l.subdistrict, l.whole_registry, l.names
    from lists as l, params as p
    where len(l.names) <= p.limit_names
        and (l.whole_registry or l.subdistrict is not null)
)

select * from final
order by list, whole_registry, subdistrict
