-- The outlet ranking every role may read: each outlet's composite score and ranks (overall and
-- within its tier, with last month's and the change), its name, tier and city. No KPI detail of
-- any outlet (those are in outlets/<month>.json, for HR and managers).
-- Inputs: kpi_outlet_month, stg_outlets. Grain: one row per outlet per month.
with final as (
  select
    kpis.month,
    kpis.outlet_id,
    outlets.name as outlet_name,
    kpis.tier,
    outlets.city,
    kpis.composite,
    kpis.outlet_rank,
    kpis.tier_rank,
    kpis.previous_outlet_rank,
    kpis.rank_change,
    kpis.previous_tier_rank,
    kpis.tier_rank_change
  from kpi_outlet_month as kpis
  left join stg_outlets as outlets
    on outlets.outlet_id = kpis.outlet_id
)

select * from final
