-- The lines of each outlet's settlement statement of a month (spec 5.4): the tickets settled that
-- month (settlement_lines, status settled) and the tickets withheld at its end with why
-- (pub_settlement_withheld, status withheld). settlement_month is the statement's month.
-- Inputs: settlement_lines, stg_technicians, pub_settlement_withheld (the view of
--   queries/publish/settlement_withheld.sql).
-- Grain: one row per statement month and ticket settled in it or withheld at its end.
with settled as (
  select
    lines.settlement_month,
    lines.outlet_id,
    'settled' as status,
    lines.ticket_id,
    lines.line_id,
    lines.technician_id,
    technicians.name as technician_name,
    lines.service_type,
    lines.completed_at,
    lines.revisit_id,
    lines.revisit_at,
    lines.fee,
    null::varchar as withheld_reason,
    null::bigint as calls,
    null::varchar as last_call_id,
    null::timestamp as last_call_at
  from settlement_lines as lines
  left join stg_technicians as technicians
    on technicians.technician_id = lines.technician_id
),

withheld as (
  select
    settlement_month,
    outlet_id,
    'withheld' as status,
    ticket_id,
    null::varchar as line_id,
    technician_id,
    technician_name,
    service_type,
    completed_at,
    null::varchar as revisit_id,
    null::timestamp as revisit_at,
    fee,
    withheld_reason,
    calls,
    last_call_id,
    last_call_at
  from pub_settlement_withheld
),

final as (
  select * from settled
  union all by name
  select * from withheld
)

select * from final
