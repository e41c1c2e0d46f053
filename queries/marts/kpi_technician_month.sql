-- Technician KPIs and the monthly complaint ranking (rank 1 = highest complaint rate), with the
-- repeat repairs of the technician's earlier jobs and the follow-ups of their unsatisfied customers.
-- Inputs: int_month_measures, int_ticket_counts, stg_technicians; variable technician_min_tickets.
-- Grain: one row per technician per month (a month with completed tickets, credited complaints or
--   repeats of the technician's jobs).
-- Scope: the months being built (in_build_months).
with measures as (
  select * from int_month_measures
  where level = 'technician'
    and in_build_months(month)
),

-- the outlet of most of the month's tickets; ties go to the smallest outlet_id
home_outlets as (
  select
    month,
    technician_id,
    first(outlet_id order by tickets_completed desc, outlet_id) as outlet_id
  from int_ticket_counts
  where in_build_months(month)
  group by all
),

ranked as (
  select
    measures.*,
    case
      when measures.tickets_completed >= getvariable('technician_min_tickets') then
        rank() over (
          partition by measures.month, measures.tickets_completed >= getvariable('technician_min_tickets')
          order by measures.complaint_rate desc, measures.complaints desc
        )
    end as complaint_rank
  from measures
),

final as (
  select
    ranked.month,
    ranked.unit_id as technician_id,
    coalesce(home_outlets.outlet_id, technicians.outlet_id) as outlet_id,
    ranked.tickets_completed,
    ranked.revisit_covered,
    ranked.revisit_coverage,
    ranked.rated,
    ranked.satisfied,
    ranked.neutral,
    ranked.unsatisfied,
    ranked.satisfied_rate,
    ranked.neutral_rate,
    ranked.unsatisfied_rate,
    ranked.on_time_judged,
    ranked.on_time,
    ranked.on_time_rate,
    ranked.complaints,
    ranked.complaint_rate,
    ranked.complaint_rank,
    ranked.repeat_repairs,
    ranked.repeat_repair_rate,
    ranked.followup_due,
    ranked.followup_week,
    ranked.followup_month,
    ranked.followup_week_rate,
    ranked.followup_month_rate
  from ranked
  left join home_outlets
    on home_outlets.month = ranked.month
    and home_outlets.technician_id = ranked.unit_id
  left join stg_technicians as technicians
    on technicians.technician_id = ranked.unit_id
)

select * from final
