-- Supervisors' manual violation records. Input: violations. Grain: one row per violation_id.
with source as (
  select * from violations
),

final as (
  select
    violation_id,
    technician_id,
    occurred_at,
    month_of(occurred_at) as occurred_month,
    rule_id,
    amount,
    note
  from source
)

select * from final
