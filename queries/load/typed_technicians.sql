-- Types one technicians reference export.
-- Input: input_text (one row per data row: source_line, row_index, row_note, canonical text columns).
-- Grain: one row per data row, typed, with the first problem found (null = loadable).
with source as (
  select * from input_text
),

typed as (
  select
    s.source_line,
    s.row_index,
    s.row_note,
    clean_id(s.technician_id) as technician_id,
    s.name,
    clean_id(s.outlet_id) as outlet_id,
    parse_employment(s.status) as status,
    s.status as status_text
  from source as s
),

checked as (
  select
    *,
    -- the first problem found decides the reject reason
    coalesce(
      case when row_note is not null then load_problem(null, row_note, null) end,
      case when technician_id is null then load_problem('technician_id', 'missing_value', null) end,
      case when status is null and status_text is not null then load_problem('status', 'unknown_value', status_text) end
    ) as problem
  from typed
),

final as (
  select source_line, row_index, problem, technician_id, name, outlet_id, status
  from checked
)

select * from final
