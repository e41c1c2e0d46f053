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
    dismissal
  from penalty_lines
)

select * from final
