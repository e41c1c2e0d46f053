-- The penalty adjustments to book in the first open month (spec 6.2): for every line of a closed
-- month, what the current records and appeals give (int_appealed_lines) against what was frozen at
-- the close plus what later closes already booked for it (frozen_penalty_adjustments). Two parts are
-- settled apart, each against what was accounted for it so far:
-- - the line's own amount (before appeals): a line now there and not before gives new_line
--   (+amount), one there before and gone now line_gone (-amount), a changed amount amount_changed
--   (the difference); "there before" counts the frozen copy, +1 for each new_line, -1 for each
--   line_gone booked;
-- - the effect of the appeal that stands (amount - amount before appeal): any change gives appeal.
-- So frozen amount + every adjustment booked from a month = what the month's lines are now
-- (checked in queries/invariants.sql).
-- Inputs: int_appealed_lines, frozen_penalty_lines, frozen_penalty_adjustments; variables
--   closed_through (the latest closed month), adjustment_month (the month after it),
--   build_adjusted_months.
-- Grain: one row per line of a closed month (original_month) and reason whose amount changed.
-- Scope: the closed months among those being built or whose lines moved (build_adjusted_months), by
--   original_month; every row is booked in adjustment_month.
with current_lines as (
  select
    month,
    line_id,
    technician_id,
    outlet_id,
    rule_id,
    amount_before_appeal as base_amount,
    amount - amount_before_appeal as appeal_amount
  from int_appealed_lines
  where month <= getvariable('closed_through')
    and (getvariable('build_full') or list_contains(getvariable('build_adjusted_months'), month))
),

frozen_lines as (
  select
    month,
    line_id,
    technician_id,
    outlet_id,
    rule_id,
    amount_before_appeal as base_amount,
    amount - amount_before_appeal as appeal_amount
  from frozen_penalty_lines
  where month <= getvariable('closed_through')
    and (getvariable('build_full') or list_contains(getvariable('build_adjusted_months'), month))
),

booked as (
  select
    original_month as month,
    line_id,
    first(technician_id order by month desc) as technician_id,
    first(outlet_id order by month desc) as outlet_id,
    first(rule_id order by month desc) as rule_id,
    coalesce(sum(amount) filter (where reason <> 'appeal'), 0) as base_amount,
    coalesce(sum(amount) filter (where reason = 'appeal'), 0) as appeal_amount,
    count(*) filter (where reason = 'new_line') - count(*) filter (where reason = 'line_gone') as presence
  from frozen_penalty_adjustments
  where getvariable('build_full') or list_contains(getvariable('build_adjusted_months'), original_month)
  group by original_month, line_id
),

compared as (
  select
    coalesce(current_lines.month, frozen_lines.month, booked.month) as original_month,
    coalesce(current_lines.line_id, frozen_lines.line_id, booked.line_id) as line_id,
    coalesce(current_lines.technician_id, frozen_lines.technician_id, booked.technician_id) as technician_id,
    coalesce(current_lines.outlet_id, frozen_lines.outlet_id, booked.outlet_id) as outlet_id,
    coalesce(current_lines.rule_id, frozen_lines.rule_id, booked.rule_id) as rule_id,
    current_lines.line_id is not null as there_now,
    (frozen_lines.line_id is not null)::integer + coalesce(booked.presence, 0) > 0 as there_before,
    coalesce(current_lines.base_amount, 0) as base_now,
    coalesce(frozen_lines.base_amount, 0) + coalesce(booked.base_amount, 0) as base_before,
    coalesce(current_lines.appeal_amount, 0) as appeal_now,
    coalesce(frozen_lines.appeal_amount, 0) + coalesce(booked.appeal_amount, 0) as appeal_before
  from current_lines
  full join frozen_lines
    on frozen_lines.month = current_lines.month
    and frozen_lines.line_id = current_lines.line_id
  full join booked
    on booked.month = coalesce(current_lines.month, frozen_lines.month)
    and booked.line_id = coalesce(current_lines.line_id, frozen_lines.line_id)
),

line_changes as (
  select
    *,
    base_now - base_before as amount,
    case
      when there_now and not there_before then 'new_line'
      when there_before and not there_now then 'line_gone'
      else 'amount_changed'
    end as reason
  from compared
  where there_now <> there_before
    or (there_now and base_now <> base_before)
),

appeal_changes as (
  select
    *,
    appeal_now - appeal_before as amount,
    'appeal' as reason
  from compared
  where appeal_now <> appeal_before
),

changes as (
  select * from line_changes
  union all
  select * from appeal_changes
),

final as (
  select
    getvariable('adjustment_month') as month,
    original_month,
    line_id,
    technician_id,
    outlet_id,
    rule_id,
    amount::decimal(18, 2) as amount,
    reason
  from changes
)

select * from final
