-- Collection status per half-year × community (and the subdistrict, community_id NULL, with organisations directly under it): evaluation forms and branch reports expected, valid (loaded on time or late), rejected (pending correction), missing, and files rejected whole that name the community; forms sent out are counted from MINYI_HOME/templates/<period>/ (flows.collection.gaps.collection_status).
with counts as (
    select
        period,
        case when is_total then null else community_id end as community_id,
        sum(expected) as expected,
        sum(on_time + late) as valid,
        sum(rejected) as rejected,
        sum(missing) as missing
    from metrics.reporting_gap_counts
    where unit_group is null
    group by all
),

files as (
    select
        period,
        community_id,
        grouping(community_id) = 1 as is_total,
        count(*) as files_rejected
    from metrics.rejected_files
    where period is not null
    group by grouping sets ((period, community_id), (period))
),

final as (
    select
        c.period,
        c.community_id,
        c.expected,
        c.valid,
        c.rejected,
        c.missing,
        coalesce(f.files_rejected, 0) as files_rejected
    from counts as c
    left join files as f
        on f.period = c.period
        and (
            (c.community_id is null and f.is_total)
            or (c.community_id = f.community_id and not f.is_total)
        )
)

select * from final
