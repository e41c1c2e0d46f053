-- The ticket outcomes counted per month, technician and outlet: the one pass over the ticket grain
-- that the monthly measures (every level) and a technician's home outlet are summed from.
-- Inputs: int_ticket_outcomes. Grain: one row per month, technician_id and outlet_id.
-- Scope: the months being built (in_build_months).
with outcomes as (
  select * from int_ticket_outcomes
  where in_build_months(month)
),

final as (
  select
    month,
    technician_id,
    outlet_id,
    count(*) as tickets_completed,
    count(*) filter (where covered) as revisit_covered,
    count(verdict) as rated,
    count(*) filter (where verdict = 'satisfied') as satisfied,
    count(*) filter (where verdict = 'neutral') as neutral,
    count(*) filter (where verdict = 'unsatisfied') as unsatisfied,
    count(*) filter (where on_time_judged) as on_time_judged,
    count(*) filter (where on_time) as on_time,
    count(*) filter (where followup_due) as followup_due,
    count(*) filter (where followup_week) as followup_week,
    count(*) filter (where followup_month) as followup_month
  from outcomes
  group by month, technician_id, outlet_id
)

select * from final
