-- Creates city.sources: the row counts each office published, per dataset and half-year.
create schema if not exists city;
create table if not exists city.sources (
    office varchar not null,
    dataset varchar not null,
    period varchar,
    row_count bigint not null
);
