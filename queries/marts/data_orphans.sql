-- Revisits and complaints whose ticket is not (yet) loaded: kept, reported here, and left out of
-- ticket-based KPIs until the ticket arrives.
-- Inputs: stg_revisits, stg_complaints, stg_tickets. Grain: one row per orphan record.
with orphan_revisits as (
  select 'revisits' as kind, revisits.revisit_id as record_id, revisits.ticket_id, revisits.revisit_at as event_at
  from stg_revisits as revisits
  anti join stg_tickets as tickets
    on tickets.ticket_id = revisits.ticket_id
),

orphan_complaints as (
  select 'complaints' as kind, complaints.complaint_id as record_id, complaints.ticket_id, complaints.received_at as event_at
  from stg_complaints as complaints
  anti join stg_tickets as tickets
    on tickets.ticket_id = complaints.ticket_id
  where complaints.ticket_id is not null
),

final as (
  select * from orphan_revisits
  union all
  select * from orphan_complaints
)

select * from final
