-- Who each verified complaint counts against.
-- Technician KPIs count complaints whose responsible party is the technician; outlet and network
-- KPIs count those whose responsible party is the technician or the outlet. A complaint is
-- credited through its ticket when that ticket is loaded, otherwise through its own ids.
-- Inputs: stg_complaints, stg_tickets, build_changed_tickets.
-- Grain: one row per verified complaint, month = month of received_at; ticket_month = completion
--   month of its ticket (the month of an outlet fine on it).
-- Scope: complaints received in the changed months or about a changed ticket
--   (build_changed_tickets), whose credit may have moved with the ticket.
with verified as (
  select *
  from stg_complaints
  where verified
    and (
      in_build_changed_months(received_month)
      or ticket_id in (select ticket_id from build_changed_tickets)
    )
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
    verified.responsible in ('technician', 'outlet') as counts_for_network,
    tickets.completion_month as ticket_month
  from verified
  left join stg_tickets as tickets
    on tickets.ticket_id = verified.ticket_id
)

select * from final
