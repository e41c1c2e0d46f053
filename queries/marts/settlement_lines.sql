-- Outlet settlement lines (spec 5.4): in a closed settlement month the lines frozen at the close, in
-- an open one the lines as the current records give them (differences in closed months:
-- settlement_adjustments). A ticket whose settlement moved from a closed month to an open one is in
-- both, the closed month's copy reversed by an adjustment.
-- Inputs: frozen_settlement_lines, int_settlement_lines; variable closed_through.
-- Grain: one row per settled ticket and settlement month.
-- Scope: tickets completed in the months being built (in_build_months of the completion month), as
--   int_settlement_lines: a ticket's line changes only with the outcomes of its completion month.
with frozen_lines as (
  select * from frozen_settlement_lines
  where settlement_month <= getvariable('closed_through')
    and in_build_reach(completed_at)
    and in_build_months(month_of(completed_at))
),

open_lines as (
  select * from int_settlement_lines
  where settlement_month > getvariable('closed_through')
    and in_build_reach(completed_at)
    and in_build_months(month_of(completed_at))
),

all_lines as (
  select * from frozen_lines
  union all by name
  select * from open_lines
),

final as (
  select
    settlement_month,
    outlet_id,
    ticket_id,
    technician_id,
    service_type,
    completed_at,
    revisit_id,
    revisit_at,
    fee,
    line_id
  from all_lines
)

select * from final
