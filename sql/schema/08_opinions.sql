-- Creates the topic tags of current opinions (one row per opinion, keyed by its lineage; written by flows.topics.tagging) and the taxonomy they were tagged with (one row per topic).
create table if not exists core.opinion_tags (
    source varchar not null,          -- evaluations (a form's 意见建议) | hearings (an event's 议题)
    file_hash varchar not null,
    sheet varchar,
    row_number integer not null,
    period varchar not null,
    community_id varchar not null,
    topics varchar[] not null,        -- topic codes, strongest first; empty when it says nothing (无)
    group_number integer not null,    -- near-duplicates within period × community share one
    taxonomy varchar not null         -- fingerprint of the taxonomy and rules that tagged it
);

create table if not exists ref.topics (
    topic varchar primary key,
    name_zh varchar not null,
    name_en varchar not null,
    position integer not null,        -- order in the taxonomy file
    is_fallback boolean not null,     -- 其他: what matches no keyword
    taxonomy varchar not null
);
