-- Settlement adjustments (spec 6.2): what changed in the outlet fines (OUTLET_OVERCHARGE) and the
-- settlement lines (SETTLE) of closed months after their close, as lines of a later month. Those
-- booked into a month closed since are as frozen at its close; those of the first open month are
-- worked out on every build (int_settlement_adjustments). amount: the signed change of the fine or
-- fee; net_effect: what it does to the outlet's net (a fine's change negated).
-- Inputs: frozen_settlement_adjustments, int_settlement_adjustments.
-- Grain: one row per booked month, original month and line.
-- Scope: every build, the whole table (adjustments are few).
with adjustments as (
  select * from frozen_settlement_adjustments
  union all by name
  select * from int_settlement_adjustments
),

final as (
  select
    month,
    original_month,
    line_id,
    outlet_id,
    rule_id,
    amount,
    net_effect,
    reason
  from adjustments
)

select * from final
