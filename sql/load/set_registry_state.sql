-- Records the fingerprint of the registry just loaded into ref.* (one row).
insert or replace into meta.registry_state (id, fingerprint) values (1, ?)
