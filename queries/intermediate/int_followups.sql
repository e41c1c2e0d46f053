-- The follow-up calls of unsatisfied customers (不满意回访, spec 5.3): "called twice after the problem
-- is handled, within one week and within one month". For each completed ticket whose verdict is
-- unsatisfied, V = the time of its verdict call; followup_week: a reached call with
-- V < revisit_at <= V + followup_week_days; followup_month: at least two reached calls with
-- V < revisit_at <= V + followup_month_days, the first of them within the week.
-- Inputs: int_ticket_outcomes, stg_revisits; variables followup_week_days, followup_month_days.
-- Grain: one row per completed ticket with an unsatisfied verdict, month = its completion month.
-- Scope: tickets completed in the months being built (in_build_months): a call, like the ticket,
--   leaves its ticket's completion month out of date.
-- (a pass over the few unsatisfied tickets, apart from the one over every ticket's calls in
-- int_ticket_outcomes, which would need every call's time kept for the few)
with due as (
  select
    ticket_id,
    month,
    technician_id,
    outlet_id,
    completed_at,
    verdict_at,
    verdict_at + days_interval(getvariable('followup_week_days')) as week_end,
    verdict_at + days_interval(getvariable('followup_month_days')) as month_end
  from int_ticket_outcomes
  where verdict = 'unsatisfied'
    and in_build_reach(completed_at)
    and in_build_months(month)
),

-- the reached calls after the verdict call, up to the end of the month window
calls as (
  select
    due.ticket_id,
    count(*) filter (where revisits.revisit_at <= due.week_end) as calls_within_week,
    count(*) as calls_within_month,
    min(revisits.revisit_at) as first_call_at
  from due
  join stg_revisits as revisits
    on revisits.ticket_id = due.ticket_id
    and revisits.reached
    and revisits.revisit_at > due.verdict_at
    and revisits.revisit_at <= due.month_end
    -- a follow-up is never before its ticket's completion: lets the scan skip older blocks
    and in_build_reach(revisits.revisit_at)
  group by due.ticket_id
),

final as (
  select
    due.ticket_id,
    due.month,
    due.technician_id,
    due.outlet_id,
    due.completed_at,
    due.verdict_at,
    calls.first_call_at as first_followup_at,
    coalesce(calls.calls_within_week, 0) > 0 as followup_week,
    coalesce(calls.calls_within_month >= 2 and calls.first_call_at <= due.week_end, false) as followup_month
  from due
  left join calls
    on calls.ticket_id = due.ticket_id
)

select * from final
