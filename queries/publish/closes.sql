-- The closed months (spec 6.2) as every signed-in account reads them (closes.json): which months are
-- closed, when and by whom, and the sha256 anyone can verify a closed month's statements by
-- (README.md, "Closing a month"). No amount: the network's totals are other outlets' money to an
-- outlet's account; HR's audit/closes.json (audit_closes.sql) has the whole close.
-- Inputs: month_closes. Grain: one row per closed month.
with final as (
  select
    month,
    strftime(closed_at, '%Y-%m-%d %H:%M:%S') as closed_at,
    closed_by,
    sha256
  from month_closes
)

select * from final
