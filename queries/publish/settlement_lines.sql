-- The tickets settled in each outlet's statement of a month (spec 5.4): the rows of
-- settlement_lines with the technician's name. The tickets withheld are published once per run of
-- months in one state (queries/publish/settlement_withheld.sql), not here.
-- Inputs: settlement_lines, stg_technicians.
-- Grain: one row per settled ticket (its settlement month is the statement's month).
with final as (
  select
    lines.settlement_month,
    lines.outlet_id,
    lines.ticket_id,
    lines.line_id,
    lines.technician_id,
    technicians.name as technician_name,
    lines.service_type,
    lines.completed_at,
    lines.revisit_id,
    lines.revisit_at,
    lines.fee
  from settlement_lines as lines
  left join stg_technicians as technicians
    on technicians.technician_id = lines.technician_id
)

select * from final
