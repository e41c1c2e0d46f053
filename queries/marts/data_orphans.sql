-- Revisits and complaints whose ticket is not (yet) loaded: kept, reported here, and left out of
-- ticket-based KPIs until the ticket arrives.
-- Inputs: stg_revisits, stg_complaints, stg_tickets. Grain: one row per orphan record.
-- Scope: records of the changed months (in_build_changed_months, month of revisit_at or
--   received_at). Stored tickets are never removed, so an orphan of another month stays one until
--   its ticket arrives; the build deletes those whose ticket is among the changed tickets.
with records as (
  select 'revisits' as kind, revisit_id as record_id, ticket_id, revisit_at as event_at
  from stg_revisits
  where in_build_reach(revisit_at)
    and in_build_changed_months(month_of(revisit_at))
  union all
  select 'complaints' as kind, complaint_id as record_id, ticket_id, received_at as event_at
  from stg_complaints
  where ticket_id is not null
    and in_build_changed_months(received_month)
),

-- one lookup of the tickets for both kinds
final as (
  select records.*
  from records
  anti join stg_tickets as tickets
    on tickets.ticket_id = records.ticket_id
)

select * from final
