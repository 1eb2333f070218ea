-- Gives the fingerprint of the registry last loaded into ref.*: at most one row.
select fingerprint from meta.registry_state
