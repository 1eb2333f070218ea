-- Helpers used by the metric views and reports: periods written like 2026H1, the Wilson interval of a rate, its verdict against the target.
create or replace macro meta.period_start(p) as
    make_date(cast(left(p, 4) as integer), case when right(p, 1) = '1' then 1 else 7 end, 1);
create or replace macro meta.period_end(p) as
    make_date(cast(left(p, 4) as integer), case when right(p, 1) = '1' then 6 else 12 end,
              case when right(p, 1) = '1' then 30 else 31 end);
create or replace macro meta.previous_period(p) as
    case when right(p, 1) = '2' then left(p, 4) || 'H1'
         else cast(cast(left(p, 4) as integer) - 1 as varchar) || 'H2' end;
-- The subdistrict a code names when the registry gives none: the part before the first "-"
-- (S0001-C01 is in S0001); NULL for a code without one.
create or replace macro meta.code_subdistrict(code) as
    nullif(regexp_extract(code, '^([^-]+)-', 1), '');
-- The 95% Wilson score interval of positives out of n (n > 0), pinned at the bounds: at 0% and
-- 100% the formula lands on 0 and 1 only up to rounding.
create or replace macro meta.wilson_low(positives, n, z := 1.959963984540054::double) as
    case when positives = 0 then 0.0 else greatest(0.0,
        (positives::double / n + z * z / (2 * n)) / (1 + z * z / n)
        - z * sqrt((positives::double / n) * (1 - positives::double / n) / n
                   + z * z / (4 * n * n)) / (1 + z * z / n)) end;
create or replace macro meta.wilson_high(positives, n, z := 1.959963984540054::double) as
    case when positives = n then 1.0 else least(1.0,
        (positives::double / n + z * z / (2 * n)) / (1 + z * z / n)
        + z * sqrt((positives::double / n) * (1 - positives::double / n) / n
                   + z * z / (4 * n * n)) / (1 + z * z / n)) end;
-- A rate's verdict against the target: meets it, below it (the whole interval under it) or
-- borderline; NULL without a target.
create or replace macro meta.verdict(rate, ci_high, target) as
    case
        when target is null then null
        when rate >= target then 'meets'
        when ci_high < target then 'below'
        else 'borderline'
    end;
-- How many more positives (satisfied forms, members, organisations) reach a target at the same
-- count: the fewest k with (positives + k) / n >= target; 0 when met, NULL without a target.
-- The product is rounded first so that 0.98 * 50 is 49, not 49.000000000000007.
create or replace macro meta.short_of_target(positives, n, target) as
    case when target is null or n is null then null
         else greatest(0, ceil(round(target * n, 6))::bigint - coalesce(positives, 0)) end;
-- Registry text (a community or organisation as typed) as compared against ids and names:
-- no spaces, lower case.
create or replace macro meta.lookup_key(text) as
    lower(regexp_replace(trim(text), '\s+', '', 'g'));
-- The half-year a file's name or folder writes (2026H1, 2026-H1, 2026年上半年), NULL if none.
create or replace macro meta.period_in_name(name) as
    case
        when regexp_matches(name, '(20[0-9]{2})\s*[-_.]?\s*[Hh]([12])') then
            regexp_extract(name, '(20[0-9]{2})\s*[-_.]?\s*[Hh]([12])', 1) || 'H'
            || regexp_extract(name, '(20[0-9]{2})\s*[-_.]?\s*[Hh]([12])', 2)
        when regexp_matches(name, '(20[0-9]{2})\s*年?\s*度?\s*上半年') then
            regexp_extract(name, '(20[0-9]{2})\s*年?\s*度?\s*上半年', 1) || 'H1'
        when regexp_matches(name, '(20[0-9]{2})\s*年?\s*度?\s*下半年') then
            regexp_extract(name, '(20[0-9]{2})\s*年?\s*度?\s*下半年', 1) || 'H2'
    end;
-- A name as forms and gap lists may show it: the family name and one * per other character
-- (张伟 -> 张*, 欧阳明月 -> 欧***); spaces, full-width ones too, are not characters.
create or replace macro meta.masked_name(name) as
    case
        when length(regexp_replace(coalesce(name, ''), '[\s\x{3000}]+', '', 'g')) <= 1 then '*'
        else left(regexp_replace(name, '[\s\x{3000}]+', '', 'g'), 1)
            || repeat('*', length(regexp_replace(name, '[\s\x{3000}]+', '', 'g')) - 1)
    end;
