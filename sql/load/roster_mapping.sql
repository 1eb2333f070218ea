-- An empty roster_mapping (each distinct roster value by column, what it converts to, and for a name its masked form), filled a chunk at a time from Python before replace_evaluators reads it.
create or replace temp table roster_mapping (
    column_name varchar,
    value varchar,
    converted varchar,
    masked varchar
)
