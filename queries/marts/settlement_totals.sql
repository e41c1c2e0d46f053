-- Outlet settlement totals per month (spec 5.4): the tickets settled and their fees, the outlet fines
-- deducted, the net (may be negative), the tickets withheld at the month's end (completed on or
-- before its last day and not settleable by then) and their fees, and the payment due date (the
-- first day of the next month + settlement_payment_days, config).
-- A closed month (spec 6.2) shows its totals as frozen at the close. The first open month adds the
-- settlement adjustments booked in it: fee_adjustments and fine_adjustments (the signed changes of
-- fees and of fines), adjustments (their effect on the net: fee changes less fine changes) and
-- amount_due = net + adjustments; an outlet with adjustments only gets a row of its own.
-- Inputs: int_settlement_counts, int_outlet_penalty_lines, int_settlement_adjustments,
--   frozen_settlement_totals; variables settlement_payment_days, closed_through.
-- Grain: one row per outlet and month with a settled ticket, a withheld ticket, an outlet fine or an
--   adjustment booked, in the months from the first to the last in which a ticket was completed or
--   settled or an adjustment booked.
-- Scope: every month, on every build: a withheld ticket counts in each month until it is settled,
--   and the table is small (the build publishes the months whose rows changed).
with counts as (
  select * from int_settlement_counts
),

bounds as (
  select
    min(least(month, coalesce(settlement_month, month))) as first_month,
    greatest(
      max(greatest(month, coalesce(settlement_month, month))),
      (select max(month) from int_settlement_adjustments)
    ) as last_month
  from counts
),

calendar as (
  select month_of(unnest(generate_series(
    strptime(first_month || '-01', '%Y-%m-%d'),
    strptime(last_month || '-01', '%Y-%m-%d'),
    interval 1 month
  ))) as month
  from bounds
  where first_month is not null
),

settled as (
  select
    settlement_month as month,
    outlet_id,
    sum(tickets) as tickets_settled,
    sum(fees) as fees
  from counts
  where settlement_month is not null
  group by all
),

-- a ticket is withheld at the end of every month from its completion to the one before it is settled
withheld as (
  select
    calendar.month,
    counts.outlet_id,
    sum(counts.tickets) as tickets_withheld,
    sum(counts.fees) as withheld_fees
  from calendar
  join counts
    on counts.month <= calendar.month
    and (counts.settlement_month is null or counts.settlement_month > calendar.month)
  group by all
),

fines as (
  select
    month,
    outlet_id,
    sum(amount) as outlet_fines
  from int_outlet_penalty_lines
  group by all
),

adjustments as (
  select
    month,
    outlet_id,
    sum(amount) filter (where rule_id = 'SETTLE') as fee_adjustments,
    sum(amount) filter (where rule_id = 'OUTLET_OVERCHARGE') as fine_adjustments,
    sum(net_effect) as adjustments
  from int_settlement_adjustments
  group by all
),

outlet_months as (
  select month, outlet_id from settled
  union
  select month, outlet_id from withheld
  union
  select month, outlet_id from fines
  union
  select month, outlet_id from adjustments
),

open_totals as (
  select
    outlet_months.month,
    outlet_months.outlet_id,
    coalesce(settled.tickets_settled, 0)::bigint as tickets_settled,
    coalesce(settled.fees, 0)::decimal(18, 2) as fees,
    coalesce(fines.outlet_fines, 0)::decimal(18, 2) as outlet_fines,
    (coalesce(settled.fees, 0) - coalesce(fines.outlet_fines, 0))::decimal(18, 2) as net,
    coalesce(withheld.tickets_withheld, 0)::bigint as tickets_withheld,
    coalesce(withheld.withheld_fees, 0)::decimal(18, 2) as withheld_fees,
    (strptime(outlet_months.month || '-01', '%Y-%m-%d') + interval 1 month)::date
      + getvariable('settlement_payment_days')::integer as payment_due,
    coalesce(adjustments.fee_adjustments, 0)::decimal(18, 2) as fee_adjustments,
    coalesce(adjustments.fine_adjustments, 0)::decimal(18, 2) as fine_adjustments,
    coalesce(adjustments.adjustments, 0)::decimal(18, 2) as adjustments,
    (coalesce(settled.fees, 0) - coalesce(fines.outlet_fines, 0) + coalesce(adjustments.adjustments, 0))::decimal(18, 2) as amount_due
  from outlet_months
  left join settled
    on settled.month = outlet_months.month
    and settled.outlet_id = outlet_months.outlet_id
  left join withheld
    on withheld.month = outlet_months.month
    and withheld.outlet_id = outlet_months.outlet_id
  left join fines
    on fines.month = outlet_months.month
    and fines.outlet_id = outlet_months.outlet_id
  left join adjustments
    on adjustments.month = outlet_months.month
    and adjustments.outlet_id = outlet_months.outlet_id
  where outlet_months.month in (select month from calendar)
    and outlet_months.month > getvariable('closed_through')
),

frozen_totals as (
  select * from frozen_settlement_totals
  where month <= getvariable('closed_through')
),

final as (
  select * from open_totals
  union all by name
  select * from frozen_totals
)

select * from final
