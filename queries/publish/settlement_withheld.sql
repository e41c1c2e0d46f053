-- The tickets withheld from each outlet's settlement at a month's end, and why (spec 5.4): completed
-- on or before the month's last day and without a reached revisit at or after completion by then.
-- Why, from the ticket's revisit calls up to the month's end:
--   no_revisit                 no call at all yet
--   not_reached                calls at or after completion, none of which reached the customer
--                              (reached false or unknown)
--   revisit_before_completion  calls only before the completion (the slip predates the job)
-- The fee is the one its service type would be paid (the config's schedule), as withheld_fees counts.
-- Inputs: int_ticket_outcomes, stg_revisits, stg_technicians, settlement_totals, cfg_settlement_fees.
-- Grain: one row per month of settlement_totals and ticket withheld at its end.
with statement_months as (
  select distinct month from settlement_totals
),

-- the tickets withheld at the end of at least one month: not settled in their completion month
candidates as (
  select
    outcomes.ticket_id,
    outcomes.month as completion_month,
    outcomes.outlet_id,
    outcomes.technician_id,
    outcomes.service_type,
    outcomes.completed_at,
    case
      when outcomes.settle_revisit_at is not null then month_of(greatest(outcomes.completed_at, outcomes.settle_revisit_at))
    end as settlement_month
  from int_ticket_outcomes as outcomes
  where outcomes.settle_revisit_at is null
    or month_of(greatest(outcomes.completed_at, outcomes.settle_revisit_at)) > outcomes.month
),

-- withheld at the end of every month from its completion to the one before it is settled
withheld as (
  select
    statement_months.month,
    candidates.*
  from candidates
  join statement_months
    on statement_months.month >= candidates.completion_month
    and (candidates.settlement_month is null or statement_months.month < candidates.settlement_month)
),

-- its calls up to the month's end
calls as (
  select
    withheld.month,
    withheld.ticket_id,
    count(revisits.revisit_id) as calls,
    count(revisits.revisit_id) filter (where revisits.revisit_at >= withheld.completed_at) as calls_after_completion,
    max(revisits.revisit_at) as last_call_at,
    arg_max(revisits.revisit_id, (revisits.revisit_at, revisits.revisit_id)) as last_call_id
  from withheld
  join stg_revisits as revisits
    on revisits.ticket_id = withheld.ticket_id
    and month_of(revisits.revisit_at) <= withheld.month
  group by withheld.month, withheld.ticket_id
),

final as (
  select
    withheld.month as settlement_month,
    withheld.outlet_id,
    withheld.ticket_id,
    withheld.technician_id,
    technicians.name as technician_name,
    withheld.service_type,
    withheld.completed_at,
    fees.fee::decimal(18, 2) as fee,
    case
      when coalesce(calls.calls, 0) = 0 then 'no_revisit'
      when calls.calls_after_completion > 0 then 'not_reached'
      else 'revisit_before_completion'
    end as withheld_reason,
    coalesce(calls.calls, 0) as calls,
    calls.last_call_id,
    calls.last_call_at
  from withheld
  left join calls
    on calls.month = withheld.month
    and calls.ticket_id = withheld.ticket_id
  left join cfg_settlement_fees as fees
    on fees.service_type = withheld.service_type
  left join stg_technicians as technicians
    on technicians.technician_id = withheld.technician_id
)

select * from final
