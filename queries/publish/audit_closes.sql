-- Every close as HR's audit page lists it (audit/closes.json): when, by whom, the month's penalty
-- lines and their sum, the adjustments booked into it and the amount due, the outlets' fines and
-- settlement, and the hash over the frozen lines with how many lines it covers.
-- Inputs: month_closes. Grain: one row per closed month.
with final as (
  select
    month,
    strftime(closed_at, '%Y-%m-%d %H:%M:%S') as closed_at,
    closed_by,
    lines,
    amount,
    adjustments,
    amount_due,
    outlet_fine_lines,
    outlet_fines,
    settlement_lines,
    settlement_fees,
    settlement_adjustments,
    hashed_lines,
    sha256
  from month_closes
)

select * from final
