-- The tickets withheld from each outlet's settlement (spec 5.4), once per run of months in which the
-- ticket stays withheld in the same state: withheld at the end of every month from withheld_from to
-- withheld_to (inclusive), for the reason and with the calls given (int_settlement_withheld, which
-- works out the runs). A run its ticket's records leave open lasts to the last month of
-- settlement_totals; one never settled ends there, and a run starting after it is none. Expanded
-- over the months of settlement_totals, the runs are the tickets withheld at each month's end with
-- why as of then. The technician's name is the current one.
-- Inputs: int_settlement_withheld, stg_technicians, settlement_totals.
-- Grain: one row per ticket and run of months withheld in one state.
with bounds as (
  select max(month) as last_month from settlement_totals
),

runs as (
  select
    withheld.*,
    least(coalesce(withheld.withheld_until, bounds.last_month), bounds.last_month) as withheld_to
  from int_settlement_withheld as withheld
  cross join bounds
),

final as (
  select
    runs.outlet_id,
    runs.ticket_id,
    runs.technician_id,
    technicians.name as technician_name,
    runs.service_type,
    runs.completed_at,
    runs.fee,
    runs.withheld_from,
    runs.withheld_to,
    runs.withheld_reason,
    runs.calls,
    runs.last_call_id,
    runs.last_call_at
  from runs
  left join stg_technicians as technicians
    on technicians.technician_id = runs.technician_id
  where runs.withheld_from <= runs.withheld_to
)

select * from final
