-- The settlement adjustments booked into a month (settlement_adjustments/<month>.json, and each
-- outlet's rows in its by_outlet/<outlet>/settlement_adjustments.json): an outlet fine
-- (OUTLET_OVERCHARGE) or a settlement line (SETTLE) of a closed month that changed, the signed change
-- of the fine or fee (amount), what it does to the outlet's net (net_effect) and why.
-- Inputs: settlement_adjustments, stg_outlets.
-- Grain: one row per booked month, original month and line.
with final as (
  select
    adjustments.month,
    adjustments.original_month,
    adjustments.line_id,
    adjustments.outlet_id,
    outlets.name as outlet_name,
    adjustments.rule_id,
    adjustments.amount,
    adjustments.net_effect,
    adjustments.reason
  from settlement_adjustments as adjustments
  left join stg_outlets as outlets
    on outlets.outlet_id = adjustments.outlet_id
)

select * from final
