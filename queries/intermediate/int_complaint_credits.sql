-- Who each verified complaint counts against.
-- Technician KPIs count complaints whose responsible party is the technician; outlet and network
-- KPIs count those whose responsible party is the technician or the outlet. A complaint is
-- credited through its ticket when that ticket is loaded, otherwise through its own ids.
-- Inputs: stg_complaints, stg_tickets. Grain: one row per verified complaint, month = month of received_at.
with verified as (
  select *
  from stg_complaints
  where verified
),

final as (
  select
    verified.complaint_id,
    verified.received_month as month,
    verified.received_at,
    verified.category,
    verified.responsible,
    verified.ticket_id,
    tickets.ticket_id is not null as ticket_loaded,
    case
      when verified.responsible = 'technician' then
        case when tickets.ticket_id is not null then tickets.technician_id else verified.technician_id end
    end as credited_technician_id,
    case
      when verified.responsible in ('technician', 'outlet') then
        case when tickets.ticket_id is not null then tickets.outlet_id else verified.outlet_id end
    end as credited_outlet_id,
    verified.responsible in ('technician', 'outlet') as counts_for_network
  from verified
  left join stg_tickets as tickets
    on tickets.ticket_id = verified.ticket_id
)

select * from final
