-- Technicians reference data (names are staff names, not customers').
-- Input: technicians. Grain: one row per technician_id.
with source as (
  select * from technicians
),

final as (
  select technician_id, name, outlet_id, status
  from source
)

select * from final
