-- Produces the period's current hearing, consultation and home-visit records for export (grain: one row per record).
with hearings as (
    select *
    from core.hearings
    where period = ? and superseded_by is null
),

final as (
    select
        record_key,
        record_id,
        period,
        community_id,
        kind,
        held_on,
        topic,
        attendees,
        residents,
        deputies,
        party_members,
        households_visited,
        opinions_raised,
        opinions_resolved,
        file_hash,
        sheet,
        row_number,
        run_id,
        loaded_at
    from hearings
)

select * from final
order by held_on, community_id, record_key
