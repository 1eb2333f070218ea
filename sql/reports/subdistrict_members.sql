-- Member participation of one half-year per subdistrict (the branch's in the registry, else its community's, else the code before "-" of the branch) and in total (is_total).
with params as (
    select ?::varchar as period
),

settings as (
    select member_target from meta.settings
),

branches as (
    -- Party branches only, as in metrics/member_participation.sql.
    select
        org_id,
        -- Resolved when the registry was loaded; from the codes in a warehouse loaded before.
        coalesce(subdistrict, meta.subdistrict(community_id), meta.code_subdistrict(org_id))
            as subdistrict
    from ref.organisations
    where kind in ('building_branch', 'market_branch', 'enterprise_branch', 'temporary_branch')
),

reports as (
    select b.subdistrict, r.members_total, r.members_participating
    from metrics._current_branch_reports as r
    inner join branches as b on b.org_id = r.org_id
    cross join params as p
    where r.period = p.period
),

totals as (
    select
        subdistrict,
        grouping(subdistrict) = 1 as is_total,
        sum(members_total) as members_total,
        sum(members_participating) as members_participating
    from reports
    group by grouping sets ((subdistrict), ())
),

final as (
    select
        t.subdistrict,
        t.is_total,
        t.members_total,
        t.members_participating,
        t.members_participating::double / nullif(t.members_total, 0) as rate,
        s.member_target as target,
        t.members_participating::double / nullif(t.members_total, 0) >= s.member_target
            as meets_target
    from totals as t
    left join settings as s on true
)

select * from final
order by is_total, rate desc nulls last, subdistrict nulls last
