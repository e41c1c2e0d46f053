-- The months a run folder publishes: every month with KPIs, a technician's penalty line, an
-- outlet's fine or an outlet's settlement. A month of manual violations only (recorded after the
-- last ticket) has statements and no KPIs, as has a month in which only revisits arrived (tickets
-- of earlier months settled in it); its KPI pages are published empty.
-- Grain: one row per month (in no order: the caller sorts). Inputs: kpi_network_month, penalty_lines,
-- outlet_penalty_lines, settlement_totals.
with kpi_months as (
  select distinct month from kpi_network_month
),

line_months as (
  select month from penalty_lines
  union
  select month from outlet_penalty_lines
  union
  select month from settlement_totals
),

months as (
  select month from kpi_months
  union
  select month from line_months
),

final as (
  select months.month, kpi_months.month is not null as has_kpis
  from months
  left join kpi_months using (month)
)

select * from final
