-- The call centre's revisit backlog: completed tickets without an effective revisit (no reached
-- call inside the window) among those completed in the 30 days before the latest time in the data.
-- Inputs: int_ticket_outcomes, stg_tickets, stg_revisits, cfg_revisit_windows; variable revisit_window_hours.
-- Grain: one row per uncovered recent ticket.
with as_of as (
  select greatest(
    (select max(completed_at) from stg_tickets),
    (select max(revisit_at) from stg_revisits)
  ) as as_of
),

uncovered as (
  select
    outcomes.ticket_id,
    outcomes.outlet_id,
    outcomes.technician_id,
    outcomes.service_type,
    outcomes.completed_at,
    outcomes.completed_at
      + hours_interval(coalesce(windows.window_hours, getvariable('revisit_window_hours'))) as window_end,
    as_of.as_of
  from int_ticket_outcomes as outcomes
  cross join as_of
  left join cfg_revisit_windows as windows
    on windows.service_type = outcomes.service_type
  where not outcomes.covered
    and outcomes.completed_at >= as_of.as_of - interval 30 day
),

-- only the calls to those tickets: the backlog is 30 days of tickets, the calls table the whole history
attempts as (
  select
    revisits.ticket_id,
    count(*) as attempts,
    max(revisits.revisit_at) as last_attempt_at
  from stg_revisits as revisits
  semi join uncovered
    on uncovered.ticket_id = revisits.ticket_id
  group by revisits.ticket_id
),

final as (
  select
    uncovered.ticket_id,
    uncovered.outlet_id,
    uncovered.technician_id,
    uncovered.service_type,
    uncovered.completed_at,
    uncovered.window_end,
    round(epoch(uncovered.as_of - uncovered.completed_at) / 3600, 1) as hours_since_completion,
    case when uncovered.as_of <= uncovered.window_end then 'open' else 'overdue' end as state,
    coalesce(attempts.attempts, 0) as attempts,
    attempts.last_attempt_at,
    uncovered.as_of
  from uncovered
  left join attempts
    on attempts.ticket_id = uncovered.ticket_id
)

select * from final
