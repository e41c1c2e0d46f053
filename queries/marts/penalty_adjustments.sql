-- Penalty adjustments (spec 6.2): what changed in the lines of closed months after their close, as
-- lines of a later month. Those booked into a month closed since are as frozen at its close; those of
-- the first open month (the month after the latest closed one) are worked out on every build
-- (int_penalty_adjustments). reason: new_line, line_gone, amount_changed, appeal; amount signed.
-- Inputs: frozen_penalty_adjustments, int_penalty_adjustments.
-- Grain: one row per booked month, original month, line and reason.
-- Scope: every build, the whole table (adjustments are few).
with adjustments as (
  select * from frozen_penalty_adjustments
  union all by name
  select * from int_penalty_adjustments
),

final as (
  select
    month,
    original_month,
    line_id,
    technician_id,
    outlet_id,
    rule_id,
    amount,
    reason
  from adjustments
)

select * from final
