-- Files rejected whole whose name gives one half-year (parameter: period), with the community their name gives (NULL: none or several), for the reminders (grain: file_hash).
with final as (
    select community_id, file_name, reason_zh, reason_en, received_at
    from metrics.rejected_files
    where period = ?
)

select * from final
order by community_id nulls last, received_at, file_name
