-- Outlets reference data. Input: outlets. Grain: one row per outlet_id.
with source as (
  select * from outlets
),

final as (
  select outlet_id, name, tier, city
  from source
)

select * from final
