-- Every penalty line of the fine schedule as the current records give it, each with its evidence
-- (ticket, revisit, complaint or violation id and the time of the event) so HR can show a
-- technician why. Before appeals (int_appealed_lines) and before the close: the contract table
-- penalty_lines shows these, appealed, for the open months and the frozen lines for the closed ones.
-- Each rule fires at most once per ticket; a line's month is the ticket's completion month
-- (manual violations: month of occurred_at). Only completed tickets and reached revisits after
-- completion give evidence.
-- Every line has a line_id that stays the same on every run for the same facts (spec 6.1):
-- RULE_ID:ticket_id, RULE_ID:violation_id (manual records), TOP_COMPLAINT_RATE:technician_id:month.
-- Inputs: int_ticket_outcomes, int_repeat_repairs, stg_violations, stg_technicians,
--   kpi_technician_month, int_complaint_credits, cfg_penalty_rules.
-- Grain: one row per rule per ticket (ticket rules; REPEAT_REPAIR: per repeat, the repeat's ticket),
--   per technician per month (TOP_COMPLAINT_RATE), per violation record (manual rules).
-- Scope: the months being built (in_build_months); TOP_COMPLAINT_RATE also reads the month before.
with rules as (
  select * from cfg_penalty_rules
  where enabled
),

-- the few outcomes that give a ticket line: one pass over the ticket outcomes
findings_tickets as (
  select *
  from int_ticket_outcomes
  where ((on_time_judged and not on_time) or fee_charged > fee_standard or calls_breaking_rules is not null)
    and in_build_months(month)
),

late_arrivals as (
  select
    'LATE_NO_NOTICE' as rule_id,
    ticket_id,
    month,
    technician_id,
    outlet_id,
    null::varchar as revisit_id,
    arrived_at as occurred_at
  from findings_tickets
  where on_time_judged and not on_time
),

fee_overcharges as (
  select
    'OVERCHARGE' as rule_id,
    ticket_id,
    month,
    technician_id,
    outlet_id,
    null::varchar as revisit_id,
    completed_at as occurred_at
  from findings_tickets
  where fee_charged > fee_standard
),

-- reached calls after completion (int_ticket_outcomes keeps those with a broken rule), one row per
-- questionnaire answer that breaks a rule
revisit_findings as (
  select
    unnest(list_filter([
      case when call.uniform_badge = false then 'IMAGE' end,
      case when call.shoe_covers = false then 'NO_SHOE_COVERS' end,
      case when call.four_nots_ok = false then 'FOUR_NOTS' end,
      case when call.site_cleaned = false then 'SITE_NOT_CLEANED' end,
      case when call.explained_usage = false or call.signed_record = false then 'NO_EXPLANATION' end,
      case when call.charged_per_standard = false then 'OVERCHARGE' end
    ], r -> r is not null)) as rule_id,
    ticket_id,
    month,
    technician_id,
    outlet_id,
    call.revisit_id,
    call.revisit_at as occurred_at
  from (
    select *, unnest(calls_breaking_rules) as call
    from findings_tickets
    where calls_breaking_rules is not null
  )
),

-- at most one line per rule and ticket: the earliest evidence. A late arrival is one finding of its
-- ticket already; calls and the fee may both find an overcharge, so those are grouped (10M tickets:
-- 90 thousand rows to group instead of 2.6 million, as a quarter of the tickets were late)
ticket_lines as (
  select * from late_arrivals
  union all
  select
    findings.rule_id,
    findings.ticket_id,
    findings.month,
    findings.technician_id,
    findings.outlet_id,
    first(findings.revisit_id order by findings.occurred_at, findings.revisit_id nulls first) as revisit_id,
    min(findings.occurred_at) as occurred_at
  from (
    select * from revisit_findings
    union all
    select * from fee_overcharges
  ) as findings
  group by findings.rule_id, findings.ticket_id, findings.month, findings.technician_id, findings.outlet_id
),

ticket_penalties as (
  select
    ticket_lines.month,
    ticket_lines.technician_id,
    ticket_lines.outlet_id,
    ticket_lines.rule_id,
    rules.amount,
    ticket_lines.occurred_at,
    ticket_lines.ticket_id,
    ticket_lines.revisit_id,
    null::varchar as complaint_id,
    null::varchar as violation_id,
    rules.dismissal,
    ticket_lines.rule_id || ':' || ticket_lines.ticket_id as line_id,
    null::varchar as related_ticket_id
  from ticket_lines
  join rules
    on rules.rule_id = ticket_lines.rule_id
),

-- a repair done again (spec 5.2): the repeat's line is the first job's technician's, in the
-- repeat's completion month, dated when the repeat was reported; related_ticket_id is the first job
repeat_repairs as (
  select
    repeats.month,
    repeats.technician_id,
    repeats.outlet_id,
    'REPEAT_REPAIR' as rule_id,
    rules.amount,
    repeats.created_at as occurred_at,
    repeats.ticket_id,
    null::varchar as revisit_id,
    null::varchar as complaint_id,
    null::varchar as violation_id,
    rules.dismissal,
    'REPEAT_REPAIR:' || repeats.ticket_id as line_id,
    repeats.related_ticket_id
  from int_repeat_repairs as repeats
  join rules
    on rules.rule_id = 'REPEAT_REPAIR'
  where in_build_months(repeats.month)
),

technician_months as (
  select * from kpi_technician_month
  where in_build_months(month) or in_build_months(month_after(month))
),

-- evidence time of a TOP_COMPLAINT_RATE line: the month's latest complaint credited to the technician
latest_complaints as (
  select
    month,
    credited_technician_id as technician_id,
    max(received_at) as received_at
  from int_complaint_credits
  where credited_technician_id is not null
    and in_build_months(month)
  group by all
),

top_complaint_rate as (
  select
    current_month.month,
    current_month.technician_id,
    current_month.outlet_id,
    'TOP_COMPLAINT_RATE' as rule_id,
    rules.amount,
    latest_complaints.received_at as occurred_at,
    null::varchar as ticket_id,
    null::varchar as revisit_id,
    null::varchar as complaint_id,
    null::varchar as violation_id,
    rules.dismissal
      or (rules.dismissal_when_repeated and coalesce(previous_month.complaint_rank = 1 and previous_month.complaint_rate > 0, false)) as dismissal,
    'TOP_COMPLAINT_RATE:' || current_month.technician_id || ':' || current_month.month as line_id,
    null::varchar as related_ticket_id
  from technician_months as current_month
  join rules
    on rules.rule_id = 'TOP_COMPLAINT_RATE'
  left join technician_months as previous_month
    on previous_month.technician_id = current_month.technician_id
    and previous_month.month = month_before(current_month.month)
  left join latest_complaints
    on latest_complaints.technician_id = current_month.technician_id
    and latest_complaints.month = current_month.month
  where current_month.complaint_rank = 1
    and current_month.complaint_rate > 0
    and in_build_months(current_month.month)
),

manual_penalties as (
  select
    violations.occurred_month as month,
    violations.technician_id,
    coalesce(technician_months.outlet_id, technicians.outlet_id) as outlet_id,
    violations.rule_id,
    coalesce(violations.amount, rules.amount) as amount,
    violations.occurred_at,
    null::varchar as ticket_id,
    null::varchar as revisit_id,
    null::varchar as complaint_id,
    violations.violation_id,
    coalesce(rules.dismissal, false) as dismissal,
    violations.rule_id || ':' || violations.violation_id as line_id,
    null::varchar as related_ticket_id
  from stg_violations as violations
  left join cfg_penalty_rules as rules
    on rules.rule_id = violations.rule_id
  left join technician_months
    on technician_months.technician_id = violations.technician_id
    and technician_months.month = violations.occurred_month
  left join stg_technicians as technicians
    on technicians.technician_id = violations.technician_id
  -- a switched-off rule fires for no one; a rule the schedule does not know carries its own amount
  where coalesce(rules.enabled, true)
    and coalesce(violations.amount, rules.amount) is not null
    and in_build_months(violations.occurred_month)
),

all_lines as (
  select * from ticket_penalties
  union all
  select * from repeat_repairs
  union all
  select * from top_complaint_rate
  union all
  select * from manual_penalties
),

final as (
  select
    all_lines.month,
    all_lines.technician_id,
    all_lines.outlet_id,
    all_lines.rule_id,
    all_lines.amount::decimal(18, 2) as amount,
    all_lines.occurred_at,
    all_lines.ticket_id,
    all_lines.revisit_id,
    all_lines.complaint_id,
    all_lines.violation_id,
    all_lines.dismissal,
    coalesce(schedule.name_zh, all_lines.rule_id) as rule_name_zh,
    coalesce(schedule.name_en, all_lines.rule_id) as rule_name_en,
    all_lines.line_id,
    all_lines.related_ticket_id
  from all_lines
  left join cfg_penalty_rules as schedule
    on schedule.rule_id = all_lines.rule_id
)

-- in month order, for the reads of a month's lines (as int_ticket_outcomes)
select * from final
order by month
