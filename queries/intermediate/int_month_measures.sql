-- The monthly KPI measures at the three levels the dashboard reports: technician, outlet, network.
-- Summed from the same per-technician-and-outlet counts (grouping sets) so the three levels always agree.
-- Inputs: int_ticket_counts, int_complaint_credits.
-- Grain: one row per level, month and unit (technician_id, outlet_id, or null for the network).
-- Scope: the months being built (in_build_months).
with counts as (
  select * from int_ticket_counts
  where in_build_months(month)
),

credits as (
  select * from int_complaint_credits
  where in_build_months(month)
),

ticket_measures as (
  select
    case grouping(technician_id, outlet_id) when 1 then 'technician' when 2 then 'outlet' else 'network' end as level,
    month,
    coalesce(technician_id, outlet_id) as unit_id,
    sum(tickets_completed) as tickets_completed,
    sum(revisit_covered) as revisit_covered,
    sum(rated) as rated,
    sum(satisfied) as satisfied,
    sum(neutral) as neutral,
    sum(unsatisfied) as unsatisfied,
    sum(on_time_judged) as on_time_judged,
    sum(on_time) as on_time
  from counts
  group by grouping sets ((month, technician_id), (month, outlet_id), (month))
),

complaint_measures as (
  select 'technician' as level, month, credited_technician_id as unit_id, count(*) as complaints
  from credits
  where credited_technician_id is not null
  group by all
  union all
  select 'outlet' as level, month, credited_outlet_id as unit_id, count(*) as complaints
  from credits
  where counts_for_network and credited_outlet_id is not null
  group by all
  union all
  select 'network' as level, month, null as unit_id, count(*) as complaints
  from credits
  where counts_for_network
  group by all
),

joined as (
  select
    coalesce(tickets.level, complaints.level) as level,
    coalesce(tickets.month, complaints.month) as month,
    coalesce(tickets.unit_id, complaints.unit_id) as unit_id,
    coalesce(tickets.tickets_completed, 0)::bigint as tickets_completed,
    coalesce(tickets.revisit_covered, 0)::bigint as revisit_covered,
    coalesce(tickets.rated, 0)::bigint as rated,
    coalesce(tickets.satisfied, 0)::bigint as satisfied,
    coalesce(tickets.neutral, 0)::bigint as neutral,
    coalesce(tickets.unsatisfied, 0)::bigint as unsatisfied,
    coalesce(tickets.on_time_judged, 0)::bigint as on_time_judged,
    coalesce(tickets.on_time, 0)::bigint as on_time,
    coalesce(complaints.complaints, 0) as complaints
  from ticket_measures as tickets
  full join complaint_measures as complaints
    on complaints.level = tickets.level
    and complaints.month = tickets.month
    and complaints.unit_id is not distinct from tickets.unit_id
),

final as (
  select
    level,
    month,
    unit_id,
    tickets_completed,
    revisit_covered,
    rate(revisit_covered, tickets_completed) as revisit_coverage,
    rated,
    satisfied,
    neutral,
    unsatisfied,
    rate(satisfied, rated) as satisfied_rate,
    rate(neutral, rated) as neutral_rate,
    rate(unsatisfied, rated) as unsatisfied_rate,
    on_time_judged,
    on_time,
    rate(on_time, on_time_judged) as on_time_rate,
    complaints,
    rate(complaints, tickets_completed) as complaint_rate
  from joined
)

select * from final
