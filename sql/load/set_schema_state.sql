-- Records the fingerprint of the schema and view SQL just applied (one row).
insert or replace into meta.schema_state (id, fingerprint) values (1, ?)
