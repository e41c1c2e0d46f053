-- What happened to each completed ticket: revisit coverage, the satisfaction verdict and the time
-- of its call (the follow-ups of an unsatisfied customer are counted from it, int_followups),
-- punctuality, the call that makes it settleable (the earliest reached call at or after completion,
-- any time), and the calls whose questionnaire answers break a rule (the evidence of penalty lines).
-- Inputs: stg_tickets, stg_revisits, cfg_revisit_windows; variables revisit_window_hours,
--   grace_minutes, reschedule_notice_minutes.
-- Grain: one row per completed ticket (status completed), month = month of completed_at.
-- Scope: tickets completed in the months being built (in_build_months).
-- (The ticket-side CTEs are not materialized: both kinds of ticket below read them, and DuckDB
-- would otherwise keep every completed ticket's row to read it twice.)
with completed as not materialized (
  select
    tickets.ticket_id,
    tickets.completion_month as month,
    tickets.technician_id,
    tickets.outlet_id,
    tickets.service_type,
    tickets.completed_at,
    tickets.arrived_at,
    tickets.fee_charged,
    tickets.fee_standard,
    tickets.appointment_start,
    tickets.appointment_end,
    tickets.original_appointment_start,
    tickets.original_appointment_end,
    tickets.rescheduled_at,
    tickets.completed_at
      + hours_interval(coalesce(windows.window_hours, getvariable('revisit_window_hours'))) as window_end
  from stg_tickets as tickets
  left join cfg_revisit_windows as windows
    on windows.service_type = tickets.service_type
  where tickets.status = 'completed'
    and tickets.completed_at is not null
    and in_build_reach(tickets.completed_at)
    and in_build_months(tickets.completion_month)
),

deadlines as not materialized (
  select
    *,
    appointment_start is not null and arrived_at is not null as on_time_judged,
    coalesce(appointment_end, appointment_start + minutes_interval(getvariable('grace_minutes'))) as appointment_deadline,
    coalesce(original_appointment_end, original_appointment_start + minutes_interval(getvariable('grace_minutes'))) as original_deadline,
    rescheduled_at is not null and original_appointment_start is not null as was_rescheduled
  from completed
),

judged as not materialized (
  select
    *,
    case
      -- a reschedule with enough notice moves the judgement to the new appointment;
      -- a late notice leaves the original deadline standing
      when was_rescheduled
        and rescheduled_at > original_deadline - minutes_interval(getvariable('reschedule_notice_minutes'))
        then original_deadline
      else appointment_deadline
    end as deadline
  from deadlines
),

-- the reached calls within reach, with what the penalty lines need of their answers
reached_calls as not materialized (
  select
    revisits.ticket_id,
    revisits.revisit_id,
    revisits.revisit_at,
    revisits.result,
    revisits.uniform_badge = false or revisits.shoe_covers = false or revisits.four_nots_ok = false
      or revisits.site_cleaned = false or revisits.explained_usage = false or revisits.signed_record = false
      or revisits.charged_per_standard = false as breaks_rules,
    {
      'revisit_at': revisits.revisit_at,
      'revisit_id': revisits.revisit_id,
      'uniform_badge': revisits.uniform_badge,
      'shoe_covers': revisits.shoe_covers,
      'four_nots_ok': revisits.four_nots_ok,
      'site_cleaned': revisits.site_cleaned,
      'explained_usage': revisits.explained_usage,
      'signed_record': revisits.signed_record,
      'charged_per_standard': revisits.charged_per_standard
    } as call_answers
  from stg_revisits as revisits
  where revisits.reached
    -- a call is never before its ticket's completion: lets the scan skip older blocks
    and in_build_reach(revisits.revisit_at)
),

-- the tickets with more than one reached call: the only ones whose calls must be grouped. Most
-- tickets get one call or none, and grouping every ticket by its own columns to fold one call was
-- most of this model's time (10M tickets: a hash aggregate of 9.5M groups; the model took 44-47 s
-- of CPU, 26-33 s now); the others take their one call as it is
repeated_calls as (
  select ticket_id
  from reached_calls
  -- (a null in the list would make every "not in" below null, and drop every ticket)
  where ticket_id is not null
  group by ticket_id
  having count(*) > 1
),

-- the ticket's own columns of the outcome (the first columns of final), and what its calls are
-- judged by (window_end)
outcome_tickets as not materialized (
  select
    ticket_id,
    month,
    technician_id,
    outlet_id,
    service_type,
    completed_at,
    arrived_at,
    fee_charged,
    fee_standard,
    on_time_judged,
    case when on_time_judged then arrived_at <= deadline end as on_time,
    window_end
  from judged
),

-- a ticket with one reached call at most, beside it if it is at or after the completion (the only
-- calls that say anything about the job): the call's own values are what the aggregates of
-- repeated_call_outcomes give for one call
single_call_outcomes as (
  select
    tickets.*,
    coalesce(calls.revisit_at <= tickets.window_end, false) as covered,
    calls.result as verdict,
    case when calls.result is not null then calls.revisit_at end as verdict_at,
    calls.revisit_id as settle_revisit_id,
    calls.revisit_at as settle_revisit_at,
    month_of(calls.revisit_at) as settlement_month,
    case when calls.breaks_rules then [calls.call_answers] end as calls_breaking_rules
  from outcome_tickets as tickets
  left join reached_calls as calls
    on calls.ticket_id = tickets.ticket_id
    and calls.revisit_at >= tickets.completed_at
  where tickets.ticket_id not in (select ticket_id from repeated_calls)
),

-- a ticket with more calls: one pass over its calls at or after the completion, grouped by the
-- ticket's own columns (no join back to the tickets). The earliest rated call decides the verdict
-- and later follow-up calls do not overwrite it. The few calls with an answer that breaks a rule
-- are kept as they are, for the penalty lines.
repeated_call_outcomes as (
  select
    tickets.*,
    coalesce(bool_or(calls.revisit_at <= tickets.window_end), false) as covered,
    first(calls.result order by calls.revisit_at, calls.revisit_id) filter (where calls.result is not null) as verdict,
    min(calls.revisit_at) filter (where calls.result is not null) as verdict_at,
    -- the settlement slip: the earliest reached call at or after completion (ties: the smallest id)
    first(calls.revisit_id order by calls.revisit_at, calls.revisit_id) filter (where calls.revisit_id is not null) as settle_revisit_id,
    min(calls.revisit_at) as settle_revisit_at,
    -- the month it is settled in (spec 5.4), of the later of its completion and its slip: the
    -- slip's, as no call here is before the completion; null while it has none. Stored: every read
    -- of the settlement lines filters or groups by it, and an incremental build publishes again
    -- the settlement months of the outcomes it changed
    month_of(min(calls.revisit_at)) as settlement_month,
    -- sorted, so that the same calls always make the same list
    list_sort(list(calls.call_answers) filter (where calls.breaks_rules)) as calls_breaking_rules
  from (select * from outcome_tickets where ticket_id in (select ticket_id from repeated_calls)) as tickets
  left join reached_calls as calls
    on calls.ticket_id = tickets.ticket_id
    and calls.revisit_at >= tickets.completed_at
  group by all
),

final as (
  select * exclude (window_end)
  from (
    select * from single_call_outcomes
    union all by name
    select * from repeated_call_outcomes
  )
)

-- in month order: a month's rows then sit in a few row groups, which every read of a month (the
-- settlement lines of a settlement month, an incremental build's scope) finds by their zone maps
-- instead of scanning the whole table. At a million tickets the sort costs nothing (sorted rows
-- write faster); at ten million it spills, 3 s of the build against 4 s saved in the publish
select * from final
order by month
