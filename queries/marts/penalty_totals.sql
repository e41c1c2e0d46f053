-- Monthly penalty statement totals per technician, with the escalation flags:
-- training (停工培训) at too many violations in the month or the year so far, dismissal review (除名)
-- for a line carrying the dismissal flag, or a violation after training earlier in the same year.
-- Inputs: penalty_lines, kpi_technician_month, stg_technicians; variables
--   training_violations_per_month, training_violations_per_year.
-- Grain: one row per technician per month with at least one penalty line.
-- Scope: the months being built plus the later months of their years (in_build_year_months),
--   counted from the start of each year.
with lines as (
  select * from penalty_lines
  where in_build_years(month)
),

monthly as (
  select
    month,
    technician_id,
    count(*) as violations,
    sum(amount) as amount,
    bool_or(dismissal) as has_dismissal_line,
    first(outlet_id order by outlet_id) filter (where outlet_id is not null) as line_outlet_id
  from lines
  group by all
),

year_to_date as (
  select
    *,
    sum(violations) over (
      partition by technician_id, left(month, 4)
      order by month
      rows between unbounded preceding and current row
    ) as violations_ytd
  from monthly
),

training as (
  select
    *,
    violations >= getvariable('training_violations_per_month')
      or violations_ytd >= getvariable('training_violations_per_year') as training
  from year_to_date
),

escalated as (
  select
    *,
    coalesce(bool_or(training) over (
      partition by technician_id, left(month, 4)
      order by month
      rows between unbounded preceding and 1 preceding
    ), false) as trained_earlier_this_year
  from training
),

final as (
  select
    escalated.month,
    escalated.technician_id,
    coalesce(technician_months.outlet_id, escalated.line_outlet_id, technicians.outlet_id) as outlet_id,
    escalated.violations,
    escalated.amount::decimal(18, 2) as amount,
    escalated.violations_ytd,
    escalated.training,
    escalated.has_dismissal_line or escalated.trained_earlier_this_year as dismissal_review
  from escalated
  left join kpi_technician_month as technician_months
    on technician_months.technician_id = escalated.technician_id
    and technician_months.month = escalated.month
  left join stg_technicians as technicians
    on technicians.technician_id = escalated.technician_id
  where in_build_year_months(escalated.month)
)

select * from final
