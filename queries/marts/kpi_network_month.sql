-- Network-wide KPIs. Inputs: int_month_measures. Grain: one row per month.
-- Scope: the months being built (in_build_months).
with measures as (
  select * from int_month_measures
  where level = 'network'
    and in_build_months(month)
),

final as (
  select
    month,
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
    composite_score(revisit_coverage, satisfied_rate, on_time_rate, complaint_rate) as composite,
    repeat_repairs,
    repeat_repair_rate,
    followup_due,
    followup_week,
    followup_month,
    followup_week_rate,
    followup_month_rate
  from measures
)

select * from final
