-- The settlement adjustments to book in the first open month (spec 6.2), as int_penalty_adjustments
-- does for technicians (no appeals here): for every outlet fine (OUTLET_OVERCHARGE) and settlement
-- line (SETTLE) of a closed month, what the current records give against what was frozen at the
-- close plus what later closes already booked for it: new_line (+amount), line_gone (-amount),
-- amount_changed (the difference). amount is the change of the line's own amount (a fine, a fee);
-- net_effect what it does to what HQ pays the outlet: a fee's change as it is, a fine's negated
-- (settlement_totals.adjustments is their sum, amount_due = net + adjustments).
-- Inputs: int_outlet_penalty_lines, int_settlement_lines, frozen_outlet_penalty_lines,
--   frozen_settlement_lines, frozen_settlement_adjustments; variables closed_through,
--   adjustment_month, build_adjusted_months.
-- Grain: one row per line of a closed month (original_month) whose amount changed.
-- Scope: the closed months among those being built or whose settlement lines moved
--   (build_adjusted_months), by original_month; every row is booked in adjustment_month.
with current_lines as (
  select month, line_id, outlet_id, 'OUTLET_OVERCHARGE' as rule_id, amount
  from int_outlet_penalty_lines
  where month <= getvariable('closed_through')
    and (getvariable('build_full') or list_contains(getvariable('build_adjusted_months'), month))
  union all
  select settlement_month, line_id, outlet_id, 'SETTLE', fee
  from int_settlement_lines
  where settlement_month <= getvariable('closed_through')
    and (getvariable('build_full') or list_contains(getvariable('build_adjusted_months'), settlement_month))
),

frozen_lines as (
  select month, line_id, outlet_id, 'OUTLET_OVERCHARGE' as rule_id, amount
  from frozen_outlet_penalty_lines
  where month <= getvariable('closed_through')
    and (getvariable('build_full') or list_contains(getvariable('build_adjusted_months'), month))
  union all
  select settlement_month, line_id, outlet_id, 'SETTLE', fee
  from frozen_settlement_lines
  where settlement_month <= getvariable('closed_through')
    and (getvariable('build_full') or list_contains(getvariable('build_adjusted_months'), settlement_month))
),

booked as (
  select
    original_month as month,
    line_id,
    first(outlet_id order by month desc) as outlet_id,
    first(rule_id order by month desc) as rule_id,
    sum(amount) as amount,
    count(*) filter (where reason = 'new_line') - count(*) filter (where reason = 'line_gone') as presence
  from frozen_settlement_adjustments
  where getvariable('build_full') or list_contains(getvariable('build_adjusted_months'), original_month)
  group by original_month, line_id
),

compared as (
  select
    coalesce(current_lines.month, frozen_lines.month, booked.month) as original_month,
    coalesce(current_lines.line_id, frozen_lines.line_id, booked.line_id) as line_id,
    coalesce(current_lines.outlet_id, frozen_lines.outlet_id, booked.outlet_id) as outlet_id,
    coalesce(current_lines.rule_id, frozen_lines.rule_id, booked.rule_id) as rule_id,
    current_lines.line_id is not null as there_now,
    (frozen_lines.line_id is not null)::integer + coalesce(booked.presence, 0) > 0 as there_before,
    coalesce(current_lines.amount, 0) as amount_now,
    coalesce(frozen_lines.amount, 0) + coalesce(booked.amount, 0) as amount_before
  from current_lines
  full join frozen_lines
    on frozen_lines.month = current_lines.month
    and frozen_lines.line_id = current_lines.line_id
  full join booked
    on booked.month = coalesce(current_lines.month, frozen_lines.month)
    and booked.line_id = coalesce(current_lines.line_id, frozen_lines.line_id)
),

changes as (
  select
    *,
    amount_now - amount_before as amount,
    case
      when there_now and not there_before then 'new_line'
      when there_before and not there_now then 'line_gone'
      else 'amount_changed'
    end as reason
  from compared
  where there_now <> there_before
    or (there_now and amount_now <> amount_before)
),

final as (
  select
    getvariable('adjustment_month') as month,
    original_month,
    line_id,
    outlet_id,
    rule_id,
    amount::decimal(18, 2) as amount,
    (case when rule_id = 'OUTLET_OVERCHARGE' then -amount else amount end)::decimal(18, 2) as net_effect,
    reason
  from changes
)

select * from final
