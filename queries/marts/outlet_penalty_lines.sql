-- Outlet fines (spec 3): in a closed month the lines frozen at the close, in an open month the lines
-- as the current records give them (differences in closed months: settlement_adjustments).
-- Inputs: frozen_outlet_penalty_lines, int_outlet_penalty_lines; variable closed_through.
-- Grain: one row per fined ticket and month.
-- Scope: the months being built (in_build_months).
with frozen_lines as (
  select * from frozen_outlet_penalty_lines
  where month <= getvariable('closed_through')
    and in_build_months(month)
),

open_lines as (
  select * from int_outlet_penalty_lines
  where month > getvariable('closed_through')
    and in_build_months(month)
),

all_lines as (
  select * from frozen_lines
  union all by name
  select * from open_lines
),

final as (
  select
    month,
    outlet_id,
    complaint_id,
    ticket_id,
    overcharge,
    amount,
    line_id
  from all_lines
)

select * from final
