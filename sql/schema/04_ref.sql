-- Creates the registry tables, reloaded from MINYI_HOME/reference on each run: communities, organisations, the evaluator roster (pseudonymised). A community's or organisation's subdistrict is the registry's, else read from its code (meta.code_subdistrict).
create table if not exists ref.communities (
    community_id varchar primary key,
    name varchar not null,
    households integer,
    residents integer,
    subdistrict varchar
);

create table if not exists ref.organisations (
    org_id varchar primary key,
    name varchar not null,
    kind varchar not null,
    community_id varchar,
    active_from varchar,
    active_to varchar,
    subdistrict varchar
);

-- Warehouses written before registries could name subdistricts.
alter table ref.communities add column if not exists subdistrict varchar;
alter table ref.organisations add column if not exists subdistrict varchar;

create table if not exists ref.evaluators (
    period varchar not null,
    evaluator_key varchar not null,   -- keyed pseudonym, never the name
    role varchar not null,
    community_id varchar not null
);

-- The office's own code for an evaluator, when the roster file has a code column (else NULL:
-- minyi assigns one, ref.evaluator_codes).
alter table ref.evaluators add column if not exists code varchar;
-- The evaluator's name masked (张*): what forms and gap lists show beside the code.
alter table ref.evaluators add column if not exists masked_name varchar;
