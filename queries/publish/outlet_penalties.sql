-- Outlet fines with the outlet's name. Inputs: outlet_penalty_lines, stg_outlets.
-- Grain: one row per outlet fine.
with final as (
  select
    fines.month,
    fines.outlet_id,
    outlets.name as outlet_name,
    fines.complaint_id,
    fines.ticket_id,
    fines.overcharge,
    fines.amount
  from outlet_penalty_lines as fines
  left join stg_outlets as outlets
    on outlets.outlet_id = fines.outlet_id
)

select * from final
