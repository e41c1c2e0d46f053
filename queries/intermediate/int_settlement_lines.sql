-- Outlet settlement lines (结算, spec 5.4): a completed ticket is settled against its revisit slip,
-- the earliest reached call at or after its completion (any time; ties: the smallest revisit_id), in
-- the month of the later of its completion and that call, at the fee of its service type (config;
-- a fee of 0 is a line too). A ticket without such a call is withheld (settlement_totals).
-- line_id SETTLE:ticket_id, the same on every run for the same facts (spec 6.1). As the current
-- records give them: the contract table settlement_lines shows these for the open settlement months
-- and the frozen lines for the closed ones.
-- Inputs: int_ticket_outcomes, cfg_settlement_fees.
-- Grain: one row per settleable completed ticket.
-- A view: every row, on every read. Like settlement_lines, which reads it from outside the product
-- too, it names stored tables only (no macros, no session variables). A ticket's line changes only
-- with its outcome row: an incremental build publishes again the settlement months of the outcome
-- rows it changed (int_ticket_outcomes.settlement_month, before and after).
-- (settleable: a settlement month, which a ticket has exactly when it has a slip; testing the
-- month's short stored text instead of the slip's id made every read of the lines faster, 4 ms
-- against 30 ms a scan at a million tickets)
with settleable as (
  select * from int_ticket_outcomes
  where settlement_month is not null
),

final as (
  select
    settleable.settlement_month,
    settleable.outlet_id,
    settleable.ticket_id,
    settleable.technician_id,
    settleable.service_type,
    settleable.completed_at,
    settleable.settle_revisit_id as revisit_id,
    settleable.settle_revisit_at as revisit_at,
    fees.fee::decimal(18, 2) as fee,
    'SETTLE:' || settleable.ticket_id as line_id
  from settleable
  left join cfg_settlement_fees as fees
    on fees.service_type = settleable.service_type
)

select * from final
