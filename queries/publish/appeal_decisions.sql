-- The appeals of a month's penalty lines as HR's audit page lists them (appeals/<month>.json; month
-- is the month of the line appealed): the appeal, the line, its amount before appeals, the decision
-- and the decided amount, when it was submitted and decided, whether the line's month is closed (the
-- decision is then an adjustment) and whether it is the appeal that stands. Never the appellant's
-- reason, which stays in the database (appeal_records).
-- Inputs: appeals. Grain: one row per loaded appeal naming a known line.
with final as (
  select
    line_month as month,
    appeal_id,
    line_id,
    technician_id,
    outlet_id,
    rule_id,
    line_amount,
    decision,
    decided_amount,
    strftime(submitted_at, '%Y-%m-%d %H:%M:%S') as submitted_at,
    strftime(decided_at, '%Y-%m-%d %H:%M:%S') as decided_at,
    line_closed,
    standing
  from appeals
)

select * from final
