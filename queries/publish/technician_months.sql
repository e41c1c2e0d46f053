-- Technician KPIs as the Technicians page shows them: the KPI row with the technician's name and
-- the outlet's name and tier. Every KPI column, the repeat and follow-up measures included (kpis.*:
-- a column added to the mart reaches the page file, and byte for byte the outlets' own copies).
-- Staff names only; no customer data.
-- Inputs: kpi_technician_month, stg_technicians, stg_outlets. Grain: one row per technician per month.
with final as (
  select
    kpis.*,
    technicians.name as technician_name,
    outlets.name as outlet_name,
    outlets.tier
  from kpi_technician_month as kpis
  left join stg_technicians as technicians
    on technicians.technician_id = kpis.technician_id
  left join stg_outlets as outlets
    on outlets.outlet_id = kpis.outlet_id
)

select * from final
