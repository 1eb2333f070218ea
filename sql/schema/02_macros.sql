-- Period helpers used by the metric views: one row per call, periods written like 2026H1.
create or replace macro meta.period_start(p) as
    make_date(cast(left(p, 4) as integer), case when right(p, 1) = '1' then 1 else 7 end, 1);
create or replace macro meta.period_end(p) as
    make_date(cast(left(p, 4) as integer), case when right(p, 1) = '1' then 6 else 12 end,
              case when right(p, 1) = '1' then 30 else 31 end);
create or replace macro meta.previous_period(p) as
    case when right(p, 1) = '2' then left(p, 4) || 'H1'
         else cast(cast(left(p, 4) as integer) - 1 as varchar) || 'H2' end;
