-- Helper: the half-years reporting is measured for (grain: period): those with a current evaluation or branch report, or a form of either held in quarantine (a round whose every form was rejected is still a round). The roster may already list future rounds; they are not here.
with periods as (
    select period from core.evaluations where superseded_by is null
    union
    select period from metrics._current_branch_reports
    union
    select period
    from metrics._open_quarantine
    where kind in ('evaluations', 'branch_reports') and period is not null
),

final as (
    select distinct period from periods
)

select * from final
