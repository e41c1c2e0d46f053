-- Each outlet's settlement of a month (spec 5.4) as the settlement page lists it and HR pays it: the
-- settlement_totals row with the outlet's name and tier, then the tickets settled and their fees by
-- service type (settled_by_service, in the statement's order of service types), the tickets
-- withheld at the month's end and their fees by why (withheld_by_reason) and by the month they were
-- completed (withheld_by_completion_month: the month's own, and those carried over from earlier
-- months), so that the page shows only numbers made here. Every column of the table comes along, so
-- a column added to it (the close's adjustments) is published without a change here.
-- The withheld counts come from the runs (pub_settlement_withheld) as levels that change only where
-- a run starts or ends: each run adds its ticket to its reason from its first month and takes it
-- away after its last; each ticket counts in its completion month's group from its completion until
-- after it is last withheld. A month's count is the level at the latest change on or before it.
-- Only the months of the variable pub_settlement_months (those the publish writes; the others' files are
-- taken over from the previous run), though the levels are summed over every run.
-- Inputs: settlement_totals, stg_outlets, settlement_lines, pub_settlement_withheld
--   (queries/publish/settlement_withheld.sql), pub_settlement_words (settlement_words.sql),
--   the variable pub_settlement_months; macros month_after.
-- Grain: one row per outlet and month of settlement_totals among those of pub_settlement_months.
with services as (
  select code, position from pub_settlement_words where kind = 'service'
),

reasons as (
  select code, position from pub_settlement_words where kind = 'withheld'
),

settled_groups as (
  select
    lines.settlement_month as month,
    lines.outlet_id,
    lines.service_type,
    coalesce(services.position, 9) as position,
    count(*) as tickets,
    sum(lines.fee)::decimal(18, 2) as fees
  from settlement_lines as lines
  left join services
    on services.code = lines.service_type
  where list_contains(getvariable('pub_settlement_months'), lines.settlement_month)
  group by all
),

tickets_withheld as (
  select
    outlet_id,
    ticket_id,
    any_value(fee) as fee,
    min(withheld_from) as completion_month,
    max(withheld_to) as last_month
  from pub_settlement_withheld
  group by outlet_id, ticket_id
),

changes as (
  select outlet_id, 'reason' as kind, withheld_reason as code, withheld_from as month, 1 as tickets, fee as fees
  from pub_settlement_withheld
  union all
  select outlet_id, 'reason', withheld_reason, month_after(withheld_to), -1, -fee
  from pub_settlement_withheld
  union all
  select outlet_id, 'completion', completion_month, completion_month, 1, fee
  from tickets_withheld
  union all
  select outlet_id, 'completion', completion_month, month_after(last_month), -1, -fee
  from tickets_withheld
),

change_months as (
  select
    outlet_id,
    kind,
    code,
    month,
    sum(tickets) as tickets,
    sum(fees) as fees
  from changes
  group by all
),

levels as (
  select
    outlet_id,
    kind,
    code,
    month,
    sum(tickets) over running as tickets,
    sum(fees) over running as fees
  from change_months
  window running as (partition by outlet_id, kind, code order by month rows between unbounded preceding and current row)
),

-- each outlet's month and each reason and completion month the outlet ever had withheld (the keys
-- from the changes summed by month, a tenth of the rows)
grid as (
  select
    totals.month,
    keys.*
  from settlement_totals as totals
  join (select distinct outlet_id, kind, code from change_months) as keys
    on keys.outlet_id = totals.outlet_id
  where list_contains(getvariable('pub_settlement_months'), totals.month)
),

withheld_groups as (
  select
    grid.month,
    grid.outlet_id,
    grid.kind,
    grid.code,
    coalesce(reasons.position, 9) as position,
    levels.tickets::bigint as tickets,
    levels.fees::decimal(18, 2) as fees
  from grid
  asof join levels
    on levels.outlet_id = grid.outlet_id
    and levels.kind = grid.kind
    and levels.code = grid.code
    and levels.month <= grid.month
  left join reasons
    on grid.kind = 'reason'
    and reasons.code = grid.code
  where levels.tickets > 0
),

-- The lists are sorted after they are made, as penalty_reasons.sql does, not made by list(… order by
-- …): an ordered aggregate sorts within every group (10M tickets: the thirteen months 7.0 s against
-- 5.0 s, one thread). A list's items differ in (position, code), so the order is the same.
settled_lists as (
  select
    month,
    outlet_id,
    list_transform(
      list_sort(list({'position': position, 'service_type': service_type, 'tickets': tickets, 'fees': fees})),
      service -> {'service_type': service.service_type, 'tickets': service.tickets, 'fees': service.fees}
    ) as settled_by_service
  from settled_groups
  group by month, outlet_id
),

withheld_lists as (
  select
    month,
    outlet_id,
    list_transform(
      list_sort(list({'position': position, 'withheld_reason': code, 'tickets': tickets, 'fees': fees}) filter (where kind = 'reason')),
      reason -> {'withheld_reason': reason.withheld_reason, 'tickets': reason.tickets, 'fees': reason.fees}
    ) as withheld_by_reason,
    list_sort(list({'completion_month': code, 'tickets': tickets, 'fees': fees}) filter (where kind = 'completion'))
      as withheld_by_completion_month
  from withheld_groups
  group by month, outlet_id
),

final as (
  select
    totals.month,
    totals.outlet_id,
    outlets.name as outlet_name,
    outlets.tier,
    totals.* exclude (month, outlet_id),
    coalesce(settled_lists.settled_by_service, []) as settled_by_service,
    coalesce(withheld_lists.withheld_by_reason, []) as withheld_by_reason,
    coalesce(withheld_lists.withheld_by_completion_month, []) as withheld_by_completion_month
  from settlement_totals as totals
  left join stg_outlets as outlets
    on outlets.outlet_id = totals.outlet_id
  left join settled_lists
    on settled_lists.month = totals.month
    and settled_lists.outlet_id = totals.outlet_id
  left join withheld_lists
    on withheld_lists.month = totals.month
    and withheld_lists.outlet_id = totals.outlet_id
  where list_contains(getvariable('pub_settlement_months'), totals.month)
)

select * from final
