-- Outlet fines: a verified overcharge complaint on a ticket that was charged above the standard
-- fee fines the ticket's outlet a multiple (config, 10x) of the overcharge. At most once per ticket;
-- the month is the ticket's completion month, as for every ticket-based line. As the current records
-- give them: the contract table outlet_penalty_lines shows these for the open months and the frozen
-- lines for the closed ones.
-- Inputs: int_complaint_credits, int_ticket_outcomes; variable outlet_overcharge_multiplier.
-- Grain: one row per overcharged ticket with a verified overcharge complaint.
-- Scope: tickets completed in the months being built (in_build_months).
with overcharge_complaints as (
  select *
  from int_complaint_credits
  where category = 'overcharge'
),

overcharged_tickets as (
  select *
  from int_ticket_outcomes
  where fee_charged > fee_standard
    and in_build_months(month)
),

matched as (
  select
    tickets.month,
    tickets.outlet_id,
    first(complaints.complaint_id order by complaints.received_at, complaints.complaint_id) as complaint_id,
    tickets.ticket_id,
    tickets.fee_charged - tickets.fee_standard as overcharge
  from overcharged_tickets as tickets
  join overcharge_complaints as complaints
    on complaints.ticket_id = tickets.ticket_id
  group by all
),

final as (
  select
    month,
    outlet_id,
    complaint_id,
    ticket_id,
    overcharge::decimal(18, 2) as overcharge,
    (overcharge * getvariable('outlet_overcharge_multiplier'))::decimal(18, 2) as amount,
    -- the same on every run for the same facts (spec 6.1)
    'OUTLET_OVERCHARGE:' || ticket_id as line_id
  from matched
)

select * from final
