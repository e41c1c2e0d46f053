-- The monthly KPI measures at the three levels the dashboard reports: technician, outlet, network.
-- Summed from the same per-technician-and-outlet counts (grouping sets) so the three levels always agree.
-- Inputs: int_ticket_counts, int_complaint_credits, int_repeat_repairs.
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

repeats as (
  select * from int_repeat_repairs
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
    sum(on_time) as on_time,
    sum(followup_due) as followup_due,
    sum(followup_week) as followup_week,
    sum(followup_month) as followup_month
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

-- a repeat counts against the technician and outlet of the job it repeats (A), in the repeat's
-- completion month
repeat_measures as (
  select
    case grouping(technician_id, outlet_id) when 1 then 'technician' when 2 then 'outlet' else 'network' end as level,
    month,
    coalesce(technician_id, outlet_id) as unit_id,
    count(*) as repeat_repairs
  from repeats
  group by grouping sets ((month, technician_id), (month, outlet_id), (month))
),

-- the units credited with complaints or repeats in a month, beside those with tickets
other_measures as (
  select
    coalesce(complaints.level, repeats.level) as level,
    coalesce(complaints.month, repeats.month) as month,
    coalesce(complaints.unit_id, repeats.unit_id) as unit_id,
    coalesce(complaints.complaints, 0) as complaints,
    coalesce(repeats.repeat_repairs, 0) as repeat_repairs
  from complaint_measures as complaints
  full join repeat_measures as repeats
    on repeats.level = complaints.level
    and repeats.month = complaints.month
    and repeats.unit_id is not distinct from complaints.unit_id
),

joined as (
  select
    coalesce(tickets.level, others.level) as level,
    coalesce(tickets.month, others.month) as month,
    coalesce(tickets.unit_id, others.unit_id) as unit_id,
    coalesce(tickets.tickets_completed, 0)::bigint as tickets_completed,
    coalesce(tickets.revisit_covered, 0)::bigint as revisit_covered,
    coalesce(tickets.rated, 0)::bigint as rated,
    coalesce(tickets.satisfied, 0)::bigint as satisfied,
    coalesce(tickets.neutral, 0)::bigint as neutral,
    coalesce(tickets.unsatisfied, 0)::bigint as unsatisfied,
    coalesce(tickets.on_time_judged, 0)::bigint as on_time_judged,
    coalesce(tickets.on_time, 0)::bigint as on_time,
    coalesce(others.complaints, 0) as complaints,
    coalesce(others.repeat_repairs, 0) as repeat_repairs,
    coalesce(tickets.followup_due, 0)::bigint as followup_due,
    coalesce(tickets.followup_week, 0)::bigint as followup_week,
    coalesce(tickets.followup_month, 0)::bigint as followup_month
  from ticket_measures as tickets
  full join other_measures as others
    on others.level = tickets.level
    and others.month = tickets.month
    and others.unit_id is not distinct from tickets.unit_id
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
    rate(complaints, tickets_completed) as complaint_rate,
    repeat_repairs,
    -- not bounded by 1: repeats of earlier months' jobs count against this month's tickets
    rate(repeat_repairs, tickets_completed) as repeat_repair_rate,
    followup_due,
    followup_week,
    followup_month,
    rate(followup_week, followup_due) as followup_week_rate,
    rate(followup_month, followup_due) as followup_month_rate
  from joined
)

select * from final
