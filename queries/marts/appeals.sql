-- Appeals (申诉, spec 6.3) as loaded, with the line each decides: its month, technician, outlet, rule
-- and amount before appeals (line_amount), whether that month is closed (the appeal's effect is then
-- an adjustment, reason appeal, in the first open month), and whether it is the appeal that stands
-- for its line (the latest decided_at, then submitted_at). Appeals the build rejects (unknown_line,
-- amount_out_of_range) are in load_rejects instead. The appellant's reason stays in appeal_records.
-- Inputs: int_appeal_checks.
-- Grain: one row per loaded appeal naming a known line.
-- Scope: every build, the whole table (small).
with checked as (
  select * from int_appeal_checks
  where problem is null
),

final as (
  select
    appeal_id,
    line_id,
    submitted_at,
    decision,
    decided_amount,
    decided_at,
    updated_at,
    line_month,
    technician_id,
    outlet_id,
    rule_id,
    line_amount,
    line_closed,
    standing
  from checked
)

select * from final
