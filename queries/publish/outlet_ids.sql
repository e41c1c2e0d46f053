-- The outlets that get a folder of their own files (by_outlet/<outlet>/): every outlet of the
-- reference list or with a KPI row, a technician's KPI or penalty, or an outlet fine, in any month.
-- Inputs: stg_outlets, kpi_outlet_month, kpi_technician_month, penalty_totals, penalty_lines,
-- outlet_penalty_lines. Grain: one row per outlet_id (in no order: the caller sorts).
with outlet_ids as (
  select outlet_id from stg_outlets
  union
  select outlet_id from kpi_outlet_month
  union
  select outlet_id from kpi_technician_month
  union
  select outlet_id from penalty_totals
  union
  select outlet_id from penalty_lines
  union
  select outlet_id from outlet_penalty_lines
),

final as (
  select outlet_id
  from outlet_ids
  where outlet_id is not null
)

select * from final
