-- HR's monthly totals with the technician's name.
-- Inputs: penalty_totals, stg_technicians. Grain: one row per technician per month with a penalty.
with final as (
  select
    totals.month,
    totals.technician_id,
    technicians.name as technician_name,
    totals.outlet_id,
    totals.violations,
    totals.amount,
    totals.violations_ytd,
    totals.training,
    totals.dismissal_review
  from penalty_totals as totals
  left join stg_technicians as technicians
    on technicians.technician_id = totals.technician_id
)

select * from final
