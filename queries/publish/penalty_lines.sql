-- Statement lines in the order HR reads them, the columns of the CSV and XLSX downloads.
-- Inputs: penalty_lines. Grain: one row per penalty line.
with final as (
  select
    month,
    technician_id,
    outlet_id,
    rule_id,
    rule_name_zh,
    rule_name_en,
    amount,
    occurred_at,
    ticket_id,
    revisit_id,
    complaint_id,
    violation_id,
    dismissal,
    -- the line's identity and its appeal (spec 6): the appeal that stands and the amount before it
    line_id,
    appeal_id,
    appeal_decision,
    amount_before_appeal
  from penalty_lines
)

select * from final
