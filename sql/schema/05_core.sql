-- Creates the loaded-row tables, one row per accepted input row with its lineage; superseded rows stay as history.
create table if not exists core.evaluations (
    period varchar not null,
    community_id varchar not null,
    evaluator_key varchar not null,   -- keyed pseudonym of the evaluator's name
    role varchar not null,            -- deputy | cppcc_member | resident_rep | unit_rep
    service_attitude tinyint,
    efficiency tinyint,
    environment tinyint,
    openness tinyint,
    practical_results tinyint,
    verdict varchar not null,         -- satisfied | basically_satisfied | dissatisfied
    comments varchar,                 -- phone and ID numbers masked
    evaluated_on date,
    file_hash varchar not null,
    sheet varchar,
    row_number integer not null,
    run_id varchar not null,
    loaded_at timestamptz not null,
    superseded_by varchar,            -- file_hash of the submission that replaced this row
    superseded_at timestamptz
);

create table if not exists core.hearings (
    record_key varchar not null,      -- record_id when given, else a hash of community, date, kind, topic
    record_id varchar,
    period varchar not null,
    community_id varchar not null,
    kind varchar not null,            -- hearing | consultation | home_visit
    held_on date not null,
    topic varchar,
    attendees integer,
    residents integer,
    deputies integer,
    party_members integer,
    households_visited integer,
    opinions_raised integer,
    opinions_resolved integer,
    file_hash varchar not null,
    sheet varchar,
    row_number integer not null,
    run_id varchar not null,
    loaded_at timestamptz not null,
    superseded_by varchar,
    superseded_at timestamptz
);

create table if not exists core.branch_reports (
    period varchar not null,
    org_id varchar not null,
    members_total integer,
    members_participating integer,
    in_service_registered integer,
    floating_members integer,
    activities integer,
    took_part boolean,
    submitted_on date,
    file_hash varchar not null,
    sheet varchar,
    row_number integer not null,
    run_id varchar not null,
    loaded_at timestamptz not null,
    superseded_by varchar,
    superseded_at timestamptz
);
