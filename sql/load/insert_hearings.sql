-- Inserts the batch's valid hearing, meeting and visit records (staged_rows), one row per record with lineage; a record resubmitted later in the same batch is inserted as superseded.
insert into core.hearings by name
with records as (
    select distinct file_hash, sequence, record_key from staged_rows
),

replaced as (
    select s.row_id, arg_min(k.file_hash, k.sequence) as superseded_by
    from staged_rows as s
    inner join records as k on s.record_key = k.record_key and k.sequence > s.sequence
    group by s.row_id
),

final as (
    select s.*, r.superseded_by
    from staged_rows as s
    left join replaced as r on s.row_id = r.row_id
)

select
    record_key, record_id, period, community_id, kind, cast(held_on as date) as held_on, topic,
    attendees, residents, deputies, party_members, households_visited,
    opinions_raised, opinions_resolved,
    file_hash, sheet, row_number,
    ? as run_id, ? as loaded_at,
    superseded_by,
    case when superseded_by is not null then cast(? as timestamptz) end as superseded_at
from final
