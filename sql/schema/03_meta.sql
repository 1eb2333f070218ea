-- Creates the bookkeeping tables: one row per run, per distinct file, per receipt of a file, per subdistrict a file names, per quarantined cell, and the settings the views read.
create table if not exists meta.runs (
    run_id varchar primary key,
    flow_run_id varchar,
    started_at timestamptz not null,
    finished_at timestamptz,
    period varchar,
    status varchar not null,          -- running | completed | failed | crashed
    files_seen integer default 0,
    files_loaded integer default 0,
    rows_read bigint default 0,
    rows_loaded bigint default 0,
    rows_quarantined bigint default 0
);

create table if not exists meta.files (
    file_hash varchar primary key,    -- sha256 of the file's bytes
    file_name varchar not null,       -- name when first received
    kind varchar,                     -- evaluations | hearings | branch_reports | NULL when rejected
    size_bytes bigint,
    received_at timestamptz not null,
    run_id varchar not null,
    status varchar not null,          -- loaded | rejected
    encoding varchar,
    sheets varchar[],
    extra_columns varchar[],
    is_correction boolean default false,
    corrects varchar,                 -- a corrections workbook: the file_hash it was written for
    rows_read bigint not null default 0,
    rows_loaded bigint not null default 0,
    rows_quarantined bigint not null default 0,
    reason_zh varchar,
    reason_en varchar,
    sequence bigint                   -- order of first receipt; later files supersede earlier ones
);

-- Warehouses written before corrections workbooks were linked to their file.
alter table meta.files add column if not exists corrects varchar;

create table if not exists meta.file_receipts (
    run_id varchar not null,
    file_hash varchar not null,
    file_name varchar not null,
    received_at timestamptz not null,
    outcome varchar not null           -- loaded | duplicate | rejected
);

-- The subdistricts each loaded file's rows name, by a community or organisation the registry
-- knows (loaded and quarantined rows alike), recorded when the file loads: the corrections
-- workbook of a subdistrict office's file offers that subdistrict's names in its dropdowns.
create table if not exists meta.file_subdistricts (
    file_hash varchar not null,
    subdistrict varchar not null
);

create table if not exists meta.quarantine (
    run_id varchar not null,
    file_hash varchar not null,
    file_name varchar not null,
    kind varchar,
    sheet varchar,
    row_number integer,
    column_name varchar,
    value varchar,
    rule varchar not null,
    reason_zh varchar not null,
    reason_en varchar not null,
    action_zh varchar,
    action_en varchar,
    period varchar,
    row_values json                   -- the row as read (personal names masked), for corrections
);

create table if not exists meta.settings (
    satisfaction_target double not null,
    satisfaction_definition varchar not null,
    min_responses integer not null,
    member_target double not null,
    unit_target double not null,
    report_deadline_days integer not null
);

-- Fingerprint of the registry files (and pseudonym key) last loaded into ref.*: one row.
create table if not exists meta.registry_state (
    id integer primary key,
    fingerprint varchar not null
);

-- Fingerprint of the schema, macro and metric-view SQL the warehouse was last brought up to:
-- one row. A newer minyi upgrades a warehouse whose fingerprint differs before reading it.
create table if not exists meta.schema_state (
    id integer primary key,
    fingerprint varchar not null
);
