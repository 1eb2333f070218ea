-- Inserts the valid hearing, meeting and visit records of one table (staged_rows), one row per record, with lineage.
insert into core.hearings by name
select
    record_key, record_id, period, community_id, kind, cast(held_on as date) as held_on, topic,
    attendees, residents, deputies, party_members, households_visited,
    opinions_raised, opinions_resolved,
    file_hash, sheet, row_number,
    ? as run_id, ? as loaded_at
from staged_rows
