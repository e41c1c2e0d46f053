-- What happened to each completed ticket: revisit coverage, the satisfaction verdict and the time
-- of its call (the follow-ups of an unsatisfied customer are counted from it, int_followups),
-- punctuality, the call that makes it settleable (the earliest reached call at or after completion,
-- any time), and the calls whose questionnaire answers break a rule (the evidence of penalty lines).
-- Inputs: stg_tickets, stg_revisits, cfg_revisit_windows; variables revisit_window_hours,
--   grace_minutes, reschedule_notice_minutes.
-- Grain: one row per completed ticket (status completed), month = month of completed_at.
-- Scope: tickets completed in the months being built (in_build_months).
with completed as (
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

deadlines as (
  select
    *,
    appointment_start is not null and arrived_at is not null as on_time_judged,
    coalesce(appointment_end, appointment_start + minutes_interval(getvariable('grace_minutes'))) as appointment_deadline,
    coalesce(original_appointment_end, original_appointment_start + minutes_interval(getvariable('grace_minutes'))) as original_deadline,
    rescheduled_at is not null and original_appointment_start is not null as was_rescheduled
  from completed
),

judged as (
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

-- each ticket beside its reached calls at or after completion: the only calls that say anything
-- about the job (none: one row with no call)
ticket_calls as (
  select
    judged.*,
    revisits.revisit_id,
    revisits.revisit_at,
    revisits.result,
    revisits.revisit_at <= judged.window_end as in_window,
    revisits.uniform_badge,
    revisits.shoe_covers,
    revisits.four_nots_ok,
    revisits.site_cleaned,
    revisits.explained_usage,
    revisits.signed_record,
    revisits.charged_per_standard
  from judged
  left join stg_revisits as revisits
    on revisits.ticket_id = judged.ticket_id
    and revisits.reached
    and revisits.revisit_at >= judged.completed_at
    -- a call is never before its ticket's completion: lets the scan skip older blocks
    and in_build_reach(revisits.revisit_at)
),

-- one pass over the calls, grouped by the ticket's own columns (no join back to the tickets): the
-- earliest rated call decides the verdict and later follow-up calls do not overwrite it. The few
-- calls with an answer that breaks a rule are kept as they are, for the penalty lines.
final as (
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
    coalesce(bool_or(in_window), false) as covered,
    first(result order by revisit_at, revisit_id) filter (where result is not null) as verdict,
    min(revisit_at) filter (where result is not null) as verdict_at,
    -- the settlement slip: the earliest reached call at or after completion (ties: the smallest id)
    first(revisit_id order by revisit_at, revisit_id) filter (where revisit_id is not null) as settle_revisit_id,
    min(revisit_at) as settle_revisit_at,
    -- the month it is settled in (spec 5.4), of the later of its completion and its slip: the
    -- slip's, as no call here is before the completion; null while it has none. Stored: every read
    -- of the settlement lines filters or groups by it, and an incremental build publishes again
    -- the settlement months of the outcomes it changed
    month_of(min(revisit_at)) as settlement_month,
    on_time_judged,
    case when on_time_judged then arrived_at <= deadline end as on_time,
    -- sorted, so that the same calls always make the same list
    list_sort(list({
      'revisit_at': revisit_at,
      'revisit_id': revisit_id,
      'uniform_badge': uniform_badge,
      'shoe_covers': shoe_covers,
      'four_nots_ok': four_nots_ok,
      'site_cleaned': site_cleaned,
      'explained_usage': explained_usage,
      'signed_record': signed_record,
      'charged_per_standard': charged_per_standard
    }) filter (
      where uniform_badge = false or shoe_covers = false or four_nots_ok = false or site_cleaned = false
        or explained_usage = false or signed_record = false or charged_per_standard = false
    )) as calls_breaking_rules
  from ticket_calls
  group by
    ticket_id, month, technician_id, outlet_id, service_type, completed_at, arrived_at, fee_charged, fee_standard,
    on_time_judged, deadline
)

-- in month order: a month's rows then sit in a few row groups, which every read of a month (the
-- settlement lines of a settlement month, an incremental build's scope) finds by their zone maps
-- instead of scanning the whole table. At a million tickets the sort costs nothing (sorted rows
-- write faster); at ten million it spills, 3 s of the build against 4 s saved in the publish
select * from final
order by month
