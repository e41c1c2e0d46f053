-- Outlet settlement totals per month (spec 5.4): the tickets settled and their fees, the outlet fines
-- deducted, the net (may be negative), the tickets withheld at the month's end (completed on or
-- before its last day and not settleable by then) and their fees, and the payment due date (the
-- first day of the next month + settlement_payment_days, config).
-- Inputs: int_settlement_counts, outlet_penalty_lines; variable settlement_payment_days.
-- Grain: one row per outlet and month with a settled ticket, a withheld ticket or an outlet fine, in
--   the months from the first to the last in which a ticket was completed or settled.
-- Scope: every month, on every build: a withheld ticket counts in each month until it is settled,
--   and the table is small (the build publishes the months whose rows changed).
with counts as (
  select * from int_settlement_counts
),

bounds as (
  select
    min(least(month, coalesce(settlement_month, month))) as first_month,
    max(greatest(month, coalesce(settlement_month, month))) as last_month
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
  from outlet_penalty_lines
  group by all
),

outlet_months as (
  select month, outlet_id from settled
  union
  select month, outlet_id from withheld
  union
  select month, outlet_id from fines
),

final as (
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
      + getvariable('settlement_payment_days')::integer as payment_due
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
  where outlet_months.month in (select month from calendar)
)

select * from final
