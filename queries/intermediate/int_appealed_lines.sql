-- The penalty lines as the current records give them, with the appeal that stands for each (spec
-- 6.3): waived, the amount is 0 and the line counts as no violation (penalty_totals); reduced, the
-- amount is the decided amount, still a violation; upheld or pending, unchanged. amount_before_appeal
-- keeps the schedule's amount. What the open months show (penalty_lines), what the adjustments of
-- the closed months compare with the frozen lines, and what open months' escalation counts.
-- Inputs: int_penalty_lines, int_appeal_checks.
-- Grain: one row per recomputed penalty line.
-- Scope: a view; its readers filter by month (in_build_months and friends pass through it).
with lines as (
  select * from int_penalty_lines
),

standing_appeals as (
  select
    line_id,
    appeal_id,
    decision,
    decided_amount
  from int_appeal_checks
  where standing
),

final as (
  select
    lines.month,
    lines.technician_id,
    lines.outlet_id,
    lines.rule_id,
    case appeals.decision
      when 'waived' then 0
      when 'reduced' then appeals.decided_amount
      else lines.amount
    end::decimal(18, 2) as amount,
    lines.occurred_at,
    lines.ticket_id,
    lines.revisit_id,
    lines.complaint_id,
    lines.violation_id,
    lines.dismissal,
    lines.rule_name_zh,
    lines.rule_name_en,
    lines.line_id,
    lines.related_ticket_id,
    appeals.appeal_id,
    appeals.decision as appeal_decision,
    lines.amount as amount_before_appeal
  from lines
  left join standing_appeals as appeals
    on appeals.line_id = lines.line_id
)

select * from final
