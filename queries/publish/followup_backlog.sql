-- The call centre's follow-up backlog (不满意回访, spec 5.3): for each unsatisfied verdict, the two
-- follow-up calls the standard asks for that are not made yet. V is the time of the verdict call; the
-- week call is due by V + followup_week_days, the month call (a second reached call within
-- V + followup_month_days, the first of the two within the week) by V + followup_month_days.
-- A call is 'due' while its window is open at the data's as-of time (the latest time in the data, as
-- for the revisit backlog), 'missed' once it closed without it. A month call is missed too once the
-- week call is: its first call can no longer fall within the week, so followup_month can no longer
-- come true; after every window closed, missed = followup_due - followup_week (week) and
-- followup_due - followup_month (month), as the KPI tables count them.
-- Listed: every call still due, and the calls missed whose window closed in the 30 days before the
-- as-of time (the revisit backlog's horizon). No customer data: ids and times only.
-- Inputs: int_followups, stg_tickets, stg_revisits; variables followup_week_days, followup_month_days.
-- Grain: one row per unsatisfied ticket and call (week, month) not made.
with as_of as (
  select greatest(
    (select max(completed_at) from stg_tickets),
    (select max(revisit_at) from stg_revisits)
  ) as as_of
),

verdicts as (
  select
    followups.ticket_id,
    followups.outlet_id,
    followups.technician_id,
    followups.completed_at,
    followups.verdict_at,
    followups.followup_week,
    followups.followup_month,
    followups.verdict_at + days_interval(getvariable('followup_week_days')) as week_due_by,
    followups.verdict_at + days_interval(getvariable('followup_month_days')) as month_due_by,
    as_of.as_of
  from int_followups as followups
  cross join as_of
),

-- each call not made, with the state of its window; a month call after a missed week call is missed
calls as (
  select
    ticket_id, outlet_id, technician_id, completed_at, verdict_at, as_of,
    'week' as call,
    week_due_by as due_by,
    case when as_of <= week_due_by then 'due' else 'missed' end as state
  from verdicts
  where not followup_week
  union all
  select
    ticket_id, outlet_id, technician_id, completed_at, verdict_at, as_of,
    'month' as call,
    month_due_by as due_by,
    case when as_of <= month_due_by and (followup_week or as_of <= week_due_by) then 'due' else 'missed' end as state
  from verdicts
  where not followup_month
),

listed as (
  select *
  from calls
  where due_by >= as_of - interval 30 day
    or state = 'due'
),

-- the reached calls made so far after the verdict call, within the month window (only the listed tickets')
made as (
  select
    listed.ticket_id,
    count(*) as calls_made,
    max(revisits.revisit_at) as last_call_at
  from (select distinct ticket_id, verdict_at, as_of from listed) as listed
  join stg_revisits as revisits
    on revisits.ticket_id = listed.ticket_id
    and revisits.reached
    and revisits.revisit_at > listed.verdict_at
    and revisits.revisit_at <= listed.verdict_at + days_interval(getvariable('followup_month_days'))
  group by listed.ticket_id
),

final as (
  select
    listed.ticket_id,
    listed.outlet_id,
    listed.technician_id,
    listed.completed_at,
    listed.verdict_at,
    listed.call,
    listed.due_by,
    listed.state,
    coalesce(made.calls_made, 0) as calls_made,
    made.last_call_at,
    listed.as_of
  from listed
  left join made
    on made.ticket_id = listed.ticket_id
)

select * from final
