-- What happened to each completed ticket: revisit coverage, the satisfaction verdict, punctuality.
-- Inputs: stg_tickets, stg_revisits, cfg_revisit_windows; variables revisit_window_hours,
--   grace_minutes, reschedule_notice_minutes.
-- Grain: one row per completed ticket (status completed), month = month of completed_at.
with completed as (
  select *
  from stg_tickets
  where status = 'completed'
    and completed_at is not null
),

revisit_windows as (
  select
    completed.ticket_id,
    completed.completed_at
      + hours_interval(coalesce(windows.window_hours, getvariable('revisit_window_hours'))) as window_end
  from completed
  left join cfg_revisit_windows as windows
    on windows.service_type = completed.service_type
),

-- reached calls at or after completion: the only calls that say anything about the job
reached_after_completion as (
  select
    revisits.*,
    completed.completed_at
  from stg_revisits as revisits
  join completed
    on completed.ticket_id = revisits.ticket_id
  where revisits.reached
    and revisits.revisit_at >= completed.completed_at
),

coverage as (
  select
    calls.ticket_id,
    first(calls.revisit_id order by calls.revisit_at, calls.revisit_id) as covering_revisit_id
  from reached_after_completion as calls
  join revisit_windows
    on revisit_windows.ticket_id = calls.ticket_id
  where calls.revisit_at <= revisit_windows.window_end
  group by calls.ticket_id
),

-- the earliest rated call decides; later follow-up calls do not overwrite it
verdicts as (
  select
    ticket_id,
    first(result order by revisit_at, revisit_id) as verdict,
    first(revisit_id order by revisit_at, revisit_id) as verdict_revisit_id
  from reached_after_completion
  where result is not null
  group by ticket_id
),

deadlines as (
  select
    ticket_id,
    appointment_start is not null and arrived_at is not null as on_time_judged,
    coalesce(appointment_end, appointment_start + minutes_interval(getvariable('grace_minutes'))) as appointment_deadline,
    coalesce(original_appointment_end, original_appointment_start + minutes_interval(getvariable('grace_minutes'))) as original_deadline,
    rescheduled_at is not null and original_appointment_start is not null as was_rescheduled,
    rescheduled_at
  from completed
),

judged_deadlines as (
  select
    ticket_id,
    on_time_judged,
    case
      -- a reschedule with enough notice moves the judgement to the new appointment;
      -- a late notice leaves the original deadline standing
      when was_rescheduled
        and rescheduled_at > original_deadline - minutes_interval(getvariable('reschedule_notice_minutes'))
        then original_deadline
      else appointment_deadline
    end as deadline,
    was_rescheduled
  from deadlines
),

final as (
  select
    completed.ticket_id,
    completed.completion_month as month,
    completed.technician_id,
    completed.outlet_id,
    completed.service_type,
    completed.completed_at,
    completed.arrived_at,
    completed.fee_charged,
    completed.fee_standard,
    coverage.covering_revisit_id is not null as covered,
    coverage.covering_revisit_id,
    verdicts.verdict,
    verdicts.verdict_revisit_id,
    judged_deadlines.on_time_judged,
    judged_deadlines.was_rescheduled,
    case when judged_deadlines.on_time_judged then judged_deadlines.deadline end as deadline,
    case when judged_deadlines.on_time_judged then completed.arrived_at <= judged_deadlines.deadline end as on_time
  from completed
  left join coverage
    on coverage.ticket_id = completed.ticket_id
  left join verdicts
    on verdicts.ticket_id = completed.ticket_id
  left join judged_deadlines
    on judged_deadlines.ticket_id = completed.ticket_id
)

select * from final
