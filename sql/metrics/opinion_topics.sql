-- Opinions per half-year × community × topic, with the rollup over communities (community_id NULL = all): count, distinct requests, share of the cell's opinions, change against the previous half-year; from the hearings whose 议题 has the topic, 收集意见数 (raised), 办结数 (resolved) and their rate.
with tagged as (
    select period, community_id, source, group_id, raised, resolved, topics
    from metrics._tagged_opinions
),

topic_rows as (
    -- One row per opinion and topic: an opinion with two topics counts in both.
    select period, community_id, source, group_id, raised, resolved, unnest(topics) as topic
    from tagged
),

totals as (
    -- community_id is never NULL in the core tables, so NULL here always means "all".
    select period, community_id, count(*) as all_opinions
    from tagged
    group by grouping sets ((period, community_id), (period))
),

counts as (
    select
        period,
        community_id,
        topic,
        count(*) as opinions,
        count(distinct group_id) as requests,
        count(*) filter (where source = 'hearings') as hearings,
        cast(sum(raised) as bigint) as raised,
        cast(sum(resolved) as bigint) as resolved
    from topic_rows
    group by grouping sets ((period, community_id, topic), (period, topic))
),

periods as (
    select distinct period from tagged
),

cells as (
    -- A topic raised last half-year and not this one still gets a row: its fall shows.
    select period, community_id, topic from counts
    union
    select p.period, c.community_id, c.topic
    from counts as c
    inner join periods as p on meta.previous_period(p.period) = c.period
),

measured as (
    select
        k.period,
        k.community_id,
        k.topic,
        coalesce(c.opinions, 0) as opinions,
        coalesce(c.requests, 0) as requests,
        coalesce(c.opinions, 0)::double / nullif(a.all_opinions, 0) as share,
        -- NULL when the previous half-year has no opinions loaded at all (nothing to compare).
        case when pa.all_opinions is not null then coalesce(p.opinions, 0) end
            as opinions_previous,
        coalesce(p.opinions, 0)::double / pa.all_opinions as share_previous,
        coalesce(c.hearings, 0) as hearings,
        c.raised,
        c.resolved
    from cells as k
    left join counts as c
        on c.period = k.period
        and c.community_id is not distinct from k.community_id
        and c.topic = k.topic
    left join totals as a
        on a.period = k.period and a.community_id is not distinct from k.community_id
    left join counts as p
        on p.period = meta.previous_period(k.period)
        and p.community_id is not distinct from k.community_id
        and p.topic = k.topic
    left join totals as pa
        on pa.period = meta.previous_period(k.period)
        and pa.community_id is not distinct from k.community_id
),

final as (
    select
        m.period,
        m.community_id,
        m.topic,
        t.name_zh,
        t.name_en,
        t.position,
        coalesce(t.is_fallback, false) as is_fallback,
        m.opinions,
        m.requests,
        m.share,
        m.opinions_previous,
        m.opinions - m.opinions_previous as change,
        m.share_previous,
        m.share - m.share_previous as share_change,
        m.hearings,
        m.raised,
        m.resolved,
        m.resolved::double / nullif(m.raised, 0) as resolution_rate
    from measured as m
    left join ref.topics as t on t.topic = m.topic
)

select * from final
