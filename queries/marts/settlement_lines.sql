-- Outlet settlement lines (spec 5.4): in a closed settlement month the lines frozen at the close, in
-- an open one the lines as the current records give them (differences in closed months:
-- settlement_adjustments). A ticket whose settlement moved from a closed month to an open one is in
-- both, the closed month's copy reversed by an adjustment.
-- A view, not a table: it is a union of two stored tables, and storing it again cost a second
-- million-row write per build at national scale. It is read from outside the product too (the
-- contract of spec 8), so it and the view under it (int_settlement_lines) use no macros and no
-- session variables.
-- Inputs: frozen_settlement_lines, int_settlement_lines, month_closes.
-- Grain: one row per settled ticket and settlement month.
with closes as (
  select coalesce(max(month), '') as closed_through from month_closes
),

frozen_lines as (
  select frozen.*
  from frozen_settlement_lines as frozen
  cross join closes
  where frozen.settlement_month <= closes.closed_through
),

open_lines as (
  select lines.*
  from int_settlement_lines as lines
  cross join closes
  where lines.settlement_month > closes.closed_through
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
