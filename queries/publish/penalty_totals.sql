-- HR's monthly totals with the technician's and the outlet's name, the adjustments and the amount
-- due, and the flags' reason codes (the pages render them in their language: dashboard/DATA.md).
-- Inputs: penalty_totals, stg_technicians, stg_outlets. Grain: one row per technician per month with a penalty.
with final as (
  select
    totals.month,
    totals.technician_id,
    technicians.name as technician_name,
    totals.outlet_id,
    outlets.name as outlet_name,
    totals.violations,
    totals.amount,
    -- the adjustments booked into the month (spec 6.2; 0 but in the first open month, or a closed
    -- month that was the first open one) and what is due: amount + adjustments
    totals.adjustments,
    totals.amount_due,
    totals.violations_ytd,
    totals.training,
    totals.dismissal_review,
    totals.training_reason,
    totals.dismissal_reason
  from penalty_totals as totals
  left join stg_technicians as technicians
    on technicians.technician_id = totals.technician_id
  left join stg_outlets as outlets
    on outlets.outlet_id = totals.outlet_id
)

select * from final
