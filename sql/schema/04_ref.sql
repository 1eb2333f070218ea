-- Creates the registry tables, reloaded from MINYI_HOME/reference on each run: communities, organisations, the evaluator roster (pseudonymised).
create table if not exists ref.communities (
    community_id varchar primary key,
    name varchar not null,
    households integer,
    residents integer
);

create table if not exists ref.organisations (
    org_id varchar primary key,
    name varchar not null,
    kind varchar not null,
    community_id varchar,
    active_from varchar,
    active_to varchar
);

create table if not exists ref.evaluators (
    period varchar not null,
    evaluator_key varchar not null,   -- keyed pseudonym, never the name
    role varchar not null,
    community_id varchar not null
);
