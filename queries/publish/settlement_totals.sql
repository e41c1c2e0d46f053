-- Each outlet's settlement of a month (spec 5.4) as the settlement page lists it and HR pays it: the
-- settlement_totals row with the outlet's name and tier, then the tickets settled and their fees by
-- service type (settled_by_service, in the statement's order of service types) and the tickets
-- withheld and their fees by why (withheld_by_reason), so that the page shows only numbers made
-- here. Every column of the table comes along, so a column added to it (the close's adjustments)
-- is published without a change here.
-- Inputs: settlement_totals, stg_outlets, pub_settlement_lines (queries/publish/settlement_lines.sql),
--   pub_settlement_words (settlement_words.sql).
-- Grain: one row per outlet and month of settlement_totals.
with services as (
  select code, position from pub_settlement_words where kind = 'service'
),

reasons as (
  select code, position from pub_settlement_words where kind = 'withheld'
),

line_groups as (
  select
    lines.settlement_month as month,
    lines.outlet_id,
    lines.status,
    -- settled: by service type; withheld: by why
    case when lines.status = 'settled' then lines.service_type else lines.withheld_reason end as code,
    coalesce(services.position, reasons.position, 9) as position,
    count(*) as tickets,
    sum(lines.fee)::decimal(18, 2) as fees
  from pub_settlement_lines as lines
  left join services
    on lines.status = 'settled'
    and services.code = lines.service_type
  left join reasons
    on lines.status = 'withheld'
    and reasons.code = lines.withheld_reason
  group by all
),

by_outlet as (
  select
    month,
    outlet_id,
    list({'service_type': code, 'tickets': tickets, 'fees': fees} order by position, code)
      filter (where status = 'settled') as settled_by_service,
    list({'withheld_reason': code, 'tickets': tickets, 'fees': fees} order by position, code)
      filter (where status = 'withheld') as withheld_by_reason
  from line_groups
  group by month, outlet_id
),

final as (
  select
    totals.month,
    totals.outlet_id,
    outlets.name as outlet_name,
    outlets.tier,
    totals.* exclude (month, outlet_id),
    coalesce(by_outlet.settled_by_service, []) as settled_by_service,
    coalesce(by_outlet.withheld_by_reason, []) as withheld_by_reason
  from settlement_totals as totals
  left join stg_outlets as outlets
    on outlets.outlet_id = totals.outlet_id
  left join by_outlet
    on by_outlet.month = totals.month
    and by_outlet.outlet_id = totals.outlet_id
)

select * from final
