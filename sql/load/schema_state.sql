-- Gives the fingerprint of the schema and view SQL the warehouse was last brought up to.
select fingerprint from meta.schema_state
