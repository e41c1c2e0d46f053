-- Complaints. Input: complaints. Grain: one row per complaint_id.
with source as (
  select * from complaints
),

final as (
  select
    complaint_id,
    ticket_id,
    technician_id,
    outlet_id,
    received_at,
    month_of(received_at) as received_month,
    category,
    responsible,
    verified,
    resolved_at
  from source
)

select * from final
