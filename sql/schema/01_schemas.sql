-- Creates the warehouse's schemas: ref (registry), core (loaded rows), meta (runs, files, quarantine), metrics (views).
create schema if not exists ref;
create schema if not exists core;
create schema if not exists meta;
create schema if not exists metrics;
