-- Every penalty line of a technician's statement (spec 3, 6): in a closed month the line as it was
-- frozen at the close, whatever later loads, config changes or appeals do (their differences are
-- adjustments booked in the first open month: penalty_adjustments); in an open month the line as the
-- current records give it, with the appeal that stands (appeal_id, appeal_decision; a waived line's
-- amount is 0, a reduced line's the decided amount; amount_before_appeal the schedule's).
-- line_id (spec 6.1) is unique within a month; a line that moved from a closed month to an open one
-- is in both, the closed month's copy reversed by an adjustment.
-- A view, not a table, like settlement_lines: storing the lines a second time cost a quarter of a
-- million rows written per build at 1M tickets. It is read from outside the product too (the
-- contract of spec 4), so it and the view under it (int_appealed_lines) use no macros and no
-- session variables.
-- Inputs: frozen_penalty_lines, int_appealed_lines, month_closes.
-- Grain: one row per penalty line and month.
with closes as (
  select coalesce(max(month), '') as closed_through from month_closes
),

frozen_lines as (
  select frozen.*
  from frozen_penalty_lines as frozen
  cross join closes
  where frozen.month <= closes.closed_through
),

open_lines as (
  select lines.*
  from int_appealed_lines as lines
  cross join closes
  where lines.month > closes.closed_through
),

all_lines as (
  select * from frozen_lines
  union all by name
  select * from open_lines
),

final as (
  select
    month,
    technician_id,
    outlet_id,
    rule_id,
    amount,
    occurred_at,
    ticket_id,
    revisit_id,
    complaint_id,
    violation_id,
    dismissal,
    rule_name_zh,
    rule_name_en,
    line_id,
    related_ticket_id,
    appeal_id,
    appeal_decision,
    amount_before_appeal
  from all_lines
)

select * from final
