-- The ticket outcomes counted per month, technician and outlet: the one pass over the ticket grain
-- that the monthly measures (every level) and a technician's home outlet are summed from, with the
-- follow-ups of the unsatisfied customers among them.
-- Inputs: int_ticket_outcomes, int_followups. Grain: one row per month, technician_id and outlet_id.
-- Scope: the months being built (in_build_months).
with outcomes as (
  select * from int_ticket_outcomes
  where in_build_months(month)
),

followups as (
  select
    month,
    technician_id,
    outlet_id,
    count(*) filter (where followup_week) as followup_week,
    count(*) filter (where followup_month) as followup_month
  from int_followups
  where in_build_months(month)
  group by all
),

ticket_counts as (
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
    -- every unsatisfied customer is due two follow-up calls
    count(*) filter (where verdict = 'unsatisfied') as followup_due
  from outcomes
  group by month, technician_id, outlet_id
),

final as (
  select
    ticket_counts.*,
    coalesce(followups.followup_week, 0) as followup_week,
    coalesce(followups.followup_month, 0) as followup_month
  from ticket_counts
  left join followups
    on followups.month = ticket_counts.month
    and followups.technician_id = ticket_counts.technician_id
    and followups.outlet_id = ticket_counts.outlet_id
)

select * from final
