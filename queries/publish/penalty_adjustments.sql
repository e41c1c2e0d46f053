-- The penalty adjustments booked into a month (adjustments/<month>.json, and each outlet's rows in
-- its by_outlet/<outlet>/adjustments.json): the line of a closed month that changed, whose, under
-- which rule (named in both languages), the signed amount and why (new_line, line_gone,
-- amount_changed, appeal). month is the month booked, original_month the closed month of the line.
-- Inputs: penalty_adjustments, stg_technicians, cfg_penalty_rules.
-- Grain: one row per booked month, original month, line and reason.
with final as (
  select
    adjustments.month,
    adjustments.original_month,
    adjustments.line_id,
    adjustments.technician_id,
    technicians.name as technician_name,
    adjustments.outlet_id,
    adjustments.rule_id,
    coalesce(rules.name_zh, adjustments.rule_id) as rule_name_zh,
    coalesce(rules.name_en, adjustments.rule_id) as rule_name_en,
    adjustments.amount,
    adjustments.reason
  from penalty_adjustments as adjustments
  left join stg_technicians as technicians
    on technicians.technician_id = adjustments.technician_id
  left join cfg_penalty_rules as rules
    on rules.rule_id = adjustments.rule_id
)

select * from final
