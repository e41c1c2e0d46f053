-- Outlet KPIs and ranks with the outlet's name and city: every column of the mart, the repeat and
-- follow-up measures included (the ranking every account reads is outlet_ranking.sql, without them).
-- Inputs: kpi_outlet_month, stg_outlets. Grain: one row per outlet per month.
with final as (
  select
    kpis.*,
    outlets.name as outlet_name,
    outlets.city
  from kpi_outlet_month as kpis
  left join stg_outlets as outlets
    on outlets.outlet_id = kpis.outlet_id
)

select * from final
