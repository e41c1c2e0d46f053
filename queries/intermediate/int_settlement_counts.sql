-- The completed tickets of the outlet settlement (spec 5.4) counted by outlet, completion month and
-- settlement month: a ticket is settleable once it has a reached call at or after its completion (its
-- revisit slip), and settled in the month of the later of the two. Small enough for the monthly
-- settlement totals, which count every earlier month's tickets still withheld, to be summed whole.
-- Inputs: int_ticket_outcomes, cfg_settlement_fees.
-- Grain: one row per outlet, completion month (month) and settlement month (null: not settleable).
-- Scope: the months being built (in_build_months), by completion month: a ticket's settlement changes
--   only with the outcomes of its completion month.
with outcomes as (
  select * from int_ticket_outcomes
  where in_build_reach(completed_at)
    and in_build_months(month)
),

final as (
  select
    outcomes.month,
    outcomes.outlet_id,
    outcomes.settlement_month,
    count(*) as tickets,
    sum(fees.fee) as fees
  from outcomes
  left join cfg_settlement_fees as fees
    on fees.service_type = outcomes.service_type
  group by all
)

select * from final
