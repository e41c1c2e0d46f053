-- The tickets withheld from each outlet's settlement (spec 5.4), once per run of months in which the
-- ticket stays withheld in the same state, as far as the ticket's own records end the run: a ticket
-- is withheld at the end of every month from its completion to the one before it is settled
-- (completed on or before the month's last day, no reached revisit at or after completion by then).
-- Why, from the ticket's revisit calls up to the month's end:
--   no_revisit                 no call at all yet
--   not_reached                calls at or after completion, none of which reached the customer
--                              (reached false or unknown)
--   revisit_before_completion  calls only before the completion (the slip predates the job)
-- The state changes only in a month in which the ticket got a call, so a run starts in its
-- completion month or in a month with a call, and ends the month before the next such month or the
-- month before it is settled: worked out from the calls, never month by month. withheld_until is
-- null when neither ends it: the run then lasts to the last month of the settlement, which the
-- publish applies (queries/publish/settlement_withheld.sql). So a ticket's rows change only with its
-- own outcome row and calls, and a new month leaves the rows of earlier months' tickets in place.
-- Calls before the completion month count as of the completion month.
-- The fee is the one its service type would be paid (the config's schedule), as withheld_fees counts.
-- Inputs: int_ticket_outcomes, stg_revisits, cfg_settlement_fees; macros month_of, month_before.
-- Grain: one row per ticket and run of months withheld in one state; month = the ticket's
--   completion month.
-- Scope: tickets completed in the months being built (in_build_months): a call, like the ticket,
--   leaves its ticket's completion month out of date.
-- Stored rather than worked out by every publish: at a million tickets the runs cost 0.75 s of one
-- thread, most of the settlement's publish after a month added to a year of history.
with candidates as (
  -- the tickets withheld at the end of at least one month: not settled in their completion month
  select
    outcomes.ticket_id,
    outcomes.month,
    outcomes.outlet_id,
    outcomes.technician_id,
    outcomes.service_type,
    outcomes.completed_at,
    outcomes.settlement_month
  from int_ticket_outcomes as outcomes
  where (outcomes.settlement_month is null or outcomes.settlement_month > outcomes.month)
    and in_build_reach(outcomes.completed_at)
    and in_build_months(outcomes.month)
),

-- its calls, each in the month from which it counts: its own, or the completion month when earlier
calls as (
  select
    candidates.ticket_id,
    greatest(month_of(revisits.revisit_at), candidates.month) as month,
    revisits.revisit_id,
    revisits.revisit_at,
    revisits.revisit_at >= candidates.completed_at as after_completion
  from candidates
  join stg_revisits as revisits
    on revisits.ticket_id = candidates.ticket_id
),

call_months as (
  select
    ticket_id,
    month,
    count(*) as calls,
    count(*) filter (where after_completion) as calls_after_completion,
    max(revisit_at) as last_call_at,
    arg_max(revisit_id, (revisit_at, revisit_id)) as last_call_id
  from calls
  group by ticket_id, month
),

-- per ticket, its first month with a call, how many months have one and, when one does, its calls:
-- most tickets have calls in one month at most, and their runs are written out below without a
-- window (which sorts every start by ticket: at 10M tickets 3.4 s against 2.4 s)
call_summary as (
  select
    ticket_id,
    count(*) as call_months,
    min(month) as first_call_month,
    any_value(calls) as calls,
    any_value(calls_after_completion) as calls_after_completion,
    any_value(last_call_at) as last_call_at,
    any_value(last_call_id) as last_call_id
  from call_months
  group by ticket_id
),

withheld as (
  select
    candidates.*,
    call_summary.call_months,
    call_summary.first_call_month,
    call_summary.calls,
    call_summary.calls_after_completion,
    call_summary.last_call_at,
    call_summary.last_call_id
  from candidates
  left join call_summary
    on call_summary.ticket_id = candidates.ticket_id
),

-- the run from the completion month before any call counts (none when a call counts from it: a
-- call's month is never before the completion month), up to the first month with a call
before_calls as (
  select
    withheld.* exclude (call_months, first_call_month, calls, calls_after_completion, last_call_at, last_call_id),
    withheld.month as withheld_from,
    0::bigint as calls_so_far,
    0::bigint as calls_after_completion_so_far,
    null::timestamp as last_call_at,
    null::varchar as last_call_id,
    least(withheld.first_call_month, withheld.settlement_month) as ended_by
  from withheld
  where withheld.first_call_month is null
    or withheld.first_call_month > withheld.month
),

-- calls in one month: one run from it
one_call_month as (
  select
    withheld.* exclude (call_months, first_call_month, calls, calls_after_completion, last_call_at, last_call_id),
    withheld.first_call_month as withheld_from,
    withheld.calls::bigint as calls_so_far,
    withheld.calls_after_completion::bigint as calls_after_completion_so_far,
    withheld.last_call_at,
    withheld.last_call_id,
    withheld.settlement_month as ended_by
  from withheld
  where withheld.call_months = 1
),

-- calls in more than one month: a run from each, with the calls so far (a later month's calls are
-- later than any before), up to the next
call_month_runs as (
  select
    withheld.* exclude (call_months, first_call_month, calls, calls_after_completion, last_call_at, last_call_id),
    call_months.month as withheld_from,
    (sum(call_months.calls) over so_far)::bigint as calls_so_far,
    (sum(call_months.calls_after_completion) over so_far)::bigint as calls_after_completion_so_far,
    call_months.last_call_at,
    call_months.last_call_id,
    -- the next month with a call or the settlement, the earlier (least skips a null): the run ends
    -- the month before
    least(lead(call_months.month) over (partition by call_months.ticket_id order by call_months.month), withheld.settlement_month) as ended_by
  from withheld
  join call_months
    on call_months.ticket_id = withheld.ticket_id
  where withheld.call_months > 1
  window so_far as (partition by call_months.ticket_id order by call_months.month rows between unbounded preceding and current row)
),

runs as (
  select * from before_calls
  union all by name
  select * from one_call_month
  union all by name
  select * from call_month_runs
),

final as (
  select
    runs.month,
    runs.outlet_id,
    runs.ticket_id,
    runs.technician_id,
    runs.service_type,
    runs.completed_at,
    fees.fee::decimal(18, 2) as fee,
    runs.withheld_from,
    month_before(runs.ended_by) as withheld_until,
    case
      when runs.calls_so_far = 0 then 'no_revisit'
      when runs.calls_after_completion_so_far > 0 then 'not_reached'
      else 'revisit_before_completion'
    end as withheld_reason,
    runs.calls_so_far as calls,
    runs.last_call_id,
    runs.last_call_at
  from runs
  left join cfg_settlement_fees as fees
    on fees.service_type = runs.service_type
  -- a start in or after the settlement month begins no run
  where runs.ended_by is null
    or runs.withheld_from < runs.ended_by
)

-- in the order the publish reads them in (publish/settlement.ts), which then finds them sorted (10M
-- tickets: 1.4-1.6 s against 2.9 s on one thread, for 0.8 s more here on two); an incremental build
-- appends its months' runs after the others
select * from final
order by withheld_from, outlet_id, ticket_id
