-- Types technicians reference exports (one file, or several files of the same header read together).
-- Input: input_text (one row per data row: file_index (which file of those read together), row_note with its column and
--   value for rows that are not records, canonical text columns).
-- Grain: one row per data row, typed, with the first problem found (null = loadable).
with source as (
  select * from input_text
),

typed as (
  select
    s.file_index,
    s.row_note,
    s.row_note_column,
    s.row_note_value,
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
      case when row_note is not null then load_problem(row_note_column, row_note, row_note_value) end,
      -- an id a spreadsheet turned into 1.23457E+11 has lost its digits
      id_problem('technician_id', technician_id),
      id_problem('outlet_id', outlet_id),
      case when technician_id is null then load_problem('technician_id', 'missing_value', null) end,
      case when status is null and status_text is not null then load_problem('status', 'unknown_value', status_text) end
    ) as problem
  from typed
),

final as (
  select file_index, problem, technician_id, name, outlet_id, status
  from checked
)

select * from final
