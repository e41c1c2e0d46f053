-- Tickets as the KPIs see them. Customer phone numbers stay in the stored table: nothing
-- downstream of staging can publish them. The product key (spec 5.2) holds a phone's digits when
-- the ticket has no serial: it is only compared (int_repeat_repairs), never kept in a model table.
-- Input: tickets. Grain: one row per ticket_id.
with source as (
  select * from tickets
),

final as (
  select
    ticket_id,
    outlet_id,
    technician_id,
    service_type,
    product_category,
    product_serial,
    product_key_kind(product_serial, customer_phone, product_category) as product_key_kind,
    product_key(product_serial, customer_phone, product_category) as product_key,
    created_at,
    appointment_start,
    appointment_end,
    original_appointment_start,
    original_appointment_end,
    rescheduled_at,
    arrived_at,
    completed_at,
    status,
    fee_charged,
    fee_standard,
    updated_at,
    case when status = 'completed' then month_of(completed_at) end as completion_month
  from source
)

select * from final
