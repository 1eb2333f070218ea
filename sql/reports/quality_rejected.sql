-- Files rejected whole, with the reason, oldest first.
with final as (
    select file_name, file_hash, received_at, reason_zh, reason_en
    from meta.files
    where status = 'rejected'
)

select * from final
order by received_at, file_name
