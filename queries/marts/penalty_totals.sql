-- Monthly penalty statement totals per technician, with the escalation flags:
-- training (停工培训) at too many violations in the month or the year so far, dismissal review (除名)
-- for a line carrying the dismissal flag, or a violation after training earlier in the same year.
-- Each flag keeps its reasons, from the facts that set it, as language-neutral codes the pages and
-- downloads render (dashboard/DATA.md): training_reason `month:<violations>` and/or
-- `ytd:<violations_ytd>:<month the year's count first reached the threshold>`; dismissal_reason
-- `rule:<rule_id>:<amount>[:<ticket|violation|complaint|revisit>:<id>]` per dismissal line,
-- `top_complaint_rate:2` (first two months running), `after_training:<first training month this year>`;
-- several joined by ';', in a rule id or an id '%', ':' and ';' written %25, %3A, %3B. Null when the flag is false.
-- A closed month (spec 6.2) shows its totals as frozen at the close, escalation included. An open
-- month counts the lines as the current records and appeals give them (int_appealed_lines, every
-- month of the year, closed ones too): a waived line counts as no violation (violations,
-- violations_ytd, training, dismissal) and adds 0; and the first open month adds the adjustments
-- booked in it (adjustments, amount_due = amount + adjustments), a technician with adjustments but
-- no line that month getting a row of 0 violations.
-- Inputs: int_appealed_lines, int_penalty_adjustments, frozen_penalty_totals, kpi_technician_month,
--   stg_technicians, cfg_penalty_rules; variables training_violations_per_month,
--   training_violations_per_year, closed_through.
-- Grain: one row per technician per month with a penalty line or an adjustment booked.
-- Scope: the months being built plus the later months of their years (in_build_year_months),
--   counted from the start of each year.
with lines as (
  select
    *,
    appeal_decision is distinct from 'waived' as counts
  from int_appealed_lines
  where in_build_years(month)
),

line_months as (
  select
    month,
    technician_id,
    count(*) filter (where counts) as violations,
    sum(amount) as amount,
    coalesce(bool_or(dismissal and counts), false) as has_dismissal_line,
    first(outlet_id order by outlet_id) filter (where outlet_id is not null) as line_outlet_id
  from lines
  group by all
),

adjustments as (
  select
    month,
    technician_id,
    sum(amount) as adjustments,
    first(outlet_id order by outlet_id) filter (where outlet_id is not null) as adjustment_outlet_id
  from int_penalty_adjustments
  where in_build_years(month)
  group by all
),

monthly as (
  select
    coalesce(line_months.month, adjustments.month) as month,
    coalesce(line_months.technician_id, adjustments.technician_id) as technician_id,
    coalesce(line_months.violations, 0) as violations,
    coalesce(line_months.amount, 0) as amount,
    coalesce(line_months.has_dismissal_line, false) as has_dismissal_line,
    coalesce(line_months.line_outlet_id, adjustments.adjustment_outlet_id) as line_outlet_id,
    coalesce(adjustments.adjustments, 0) as adjustments
  from line_months
  full join adjustments
    on adjustments.month = line_months.month
    and adjustments.technician_id is not distinct from line_months.technician_id
),

year_to_date as (
  select
    *,
    sum(violations) over (
      partition by technician_id, left(month, 4)
      order by month
      rows between unbounded preceding and current row
    ) as violations_ytd
  from monthly
),

thresholds as (
  select
    *,
    violations >= getvariable('training_violations_per_month') as training_by_month,
    violations_ytd >= getvariable('training_violations_per_year') as training_by_year
  from year_to_date
),

training as (
  select
    *,
    training_by_month or training_by_year as training
  from thresholds
),

escalated as (
  select
    *,
    coalesce(bool_or(training) over earlier_months, false) as trained_earlier_this_year,
    -- the reasons' months: when training was first ordered this year, and when the year's count
    -- first reached its threshold (the count only grows, so every later month is over it too)
    min(month) filter (where training) over earlier_months as first_training_month,
    min(month) filter (where training_by_year) over (
      partition by technician_id, left(month, 4)
      order by month
      rows between unbounded preceding and current row
    ) as year_threshold_month
  from training
  window earlier_months as (
    partition by technician_id, left(month, 4)
    order by month
    rows between unbounded preceding and 1 preceding
  )
),

-- the reason each line with the dismissal flag gives, in statement order: the rule's own flag, with
-- the amount and the evidence; a TOP_COMPLAINT_RATE line whose rule has no flag of its own got it
-- for being first the month before too (penalty_lines)
line_reasons as (
  select
    lines.month,
    lines.technician_id,
    string_agg(
      case
        when lines.rule_id = 'TOP_COMPLAINT_RATE' and not coalesce(rules.dismissal, false) then 'top_complaint_rate:2'
        else concat_ws(
          ':',
          'rule',
          replace(replace(replace(lines.rule_id, '%', '%25'), ':', '%3A'), ';', '%3B'),
          regexp_replace(lines.amount::decimal(18, 2)::varchar, '\.?0+$', ''),
          case
            when lines.ticket_id is not null then 'ticket'
            when lines.violation_id is not null then 'violation'
            when lines.complaint_id is not null then 'complaint'
            when lines.revisit_id is not null then 'revisit'
          end,
          replace(replace(replace(coalesce(lines.ticket_id, lines.violation_id, lines.complaint_id, lines.revisit_id), '%', '%25'), ':', '%3A'), ';', '%3B')
        )
      end,
      ';'
      order by lines.occurred_at, lines.rule_id, lines.ticket_id, lines.violation_id, lines.complaint_id, lines.revisit_id
    ) as reasons
  from lines
  left join cfg_penalty_rules as rules
    on rules.rule_id = lines.rule_id
  where lines.dismissal
    and lines.counts
  group by lines.month, lines.technician_id
),

-- training earlier in the year orders a dismissal review only with a violation this month
reviewed as (
  select
    *,
    trained_earlier_this_year and violations > 0 as reviewed_after_training
  from escalated
),

open_totals as (
  select
    escalated.month,
    escalated.technician_id,
    coalesce(technician_months.outlet_id, escalated.line_outlet_id, technicians.outlet_id) as outlet_id,
    escalated.violations,
    escalated.amount::decimal(18, 2) as amount,
    escalated.violations_ytd,
    escalated.training,
    escalated.has_dismissal_line or escalated.reviewed_after_training as dismissal_review,
    case when escalated.training then concat_ws(
      ';',
      case when escalated.training_by_month then 'month:' || escalated.violations end,
      case when escalated.training_by_year then 'ytd:' || escalated.violations_ytd || ':' || escalated.year_threshold_month end
    ) end as training_reason,
    case when escalated.has_dismissal_line or escalated.reviewed_after_training then concat_ws(
      ';',
      line_reasons.reasons,
      case when escalated.reviewed_after_training then 'after_training:' || escalated.first_training_month end
    ) end as dismissal_reason,
    escalated.adjustments::decimal(18, 2) as adjustments,
    (escalated.amount + escalated.adjustments)::decimal(18, 2) as amount_due
  from reviewed as escalated
  left join line_reasons
    on line_reasons.technician_id = escalated.technician_id
    and line_reasons.month = escalated.month
  left join kpi_technician_month as technician_months
    on technician_months.technician_id = escalated.technician_id
    and technician_months.month = escalated.month
  left join stg_technicians as technicians
    on technicians.technician_id = escalated.technician_id
  where in_build_year_months(escalated.month)
    and escalated.month > getvariable('closed_through')
),

frozen_totals as (
  select * from frozen_penalty_totals
  where month <= getvariable('closed_through')
    and in_build_year_months(month)
),

final as (
  select * from open_totals
  union all by name
  select * from frozen_totals
)

select * from final
