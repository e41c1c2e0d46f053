-- Outlet KPIs, the composite score and the outlet ranking, overall and within tier.
-- Inputs: int_month_measures, stg_outlets; variables outlet_min_tickets and the composite weights.
-- Grain: one row per outlet per month (a month with completed tickets, credited complaints or
--   repeats of the outlet's jobs).
-- Scope: the months being built (in_build_months), ranked beside the month before each.
with measures as (
  select * from int_month_measures
  where level = 'outlet'
    and (in_build_months(month) or in_build_months(month_after(month)))
),

scored as (
  select
    measures.*,
    outlets.tier,
    composite_score(revisit_coverage, satisfied_rate, on_time_rate, complaint_rate) as composite,
    measures.tickets_completed >= getvariable('outlet_min_tickets') as rank_eligible
  from measures
  left join stg_outlets as outlets
    on outlets.outlet_id = measures.unit_id
),

ranked as (
  select
    *,
    case when rank_eligible and composite is not null then
      rank() over (partition by month, rank_eligible and composite is not null order by composite desc)
    end as outlet_rank,
    case when rank_eligible and composite is not null and tier is not null then
      rank() over (partition by month, tier, rank_eligible and composite is not null order by composite desc)
    end as tier_rank
  from scored
),

with_previous as (
  select
    current_month.*,
    previous_month.outlet_rank as previous_outlet_rank,
    previous_month.tier_rank as previous_tier_rank
  from ranked as current_month
  left join ranked as previous_month
    on previous_month.unit_id = current_month.unit_id
    and previous_month.month = month_before(current_month.month)
  where in_build_months(current_month.month)
),

final as (
  select
    month,
    unit_id as outlet_id,
    tier,
    tickets_completed,
    revisit_covered,
    revisit_coverage,
    rated,
    satisfied,
    neutral,
    unsatisfied,
    satisfied_rate,
    neutral_rate,
    unsatisfied_rate,
    on_time_judged,
    on_time,
    on_time_rate,
    complaints,
    complaint_rate,
    composite,
    outlet_rank,
    tier_rank,
    previous_outlet_rank,
    -- positive: moved up the ranking since last month
    previous_outlet_rank - outlet_rank as rank_change,
    previous_tier_rank,
    -- the same within the tier, when the outlet was in the same tier last month
    previous_tier_rank - tier_rank as tier_rank_change,
    repeat_repairs,
    repeat_repair_rate,
    followup_due,
    followup_week,
    followup_month,
    followup_week_rate,
    followup_month_rate
  from with_previous
)

select * from final
