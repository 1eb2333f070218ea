-- What each organisation reported for one half-year (parameter: period): members total and taking part, for the next forms to show beside (grain: org_id).
with final as (
    select org_id, members_total, members_participating
    from metrics._current_branch_reports
    where period = ?
)

select * from final
order by org_id
