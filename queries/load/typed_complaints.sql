-- Types complaints exports (one file, or several files of the same header read together).
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
    clean_id(s.complaint_id) as complaint_id,
    clean_id(s.ticket_id) as ticket_id,
    clean_id(s.technician_id) as technician_id,
    clean_id(s.outlet_id) as outlet_id,
    parse_ts(s.received_at) as received_at,
    parse_category(s.category) as category,
    parse_responsible(s.responsible) as responsible,
    parse_bool(s.verified) as verified,
    parse_ts(s.resolved_at) as resolved_at,
    s.received_at as received_at_text,
    s.category as category_text,
    s.responsible as responsible_text,
    s.verified as verified_text,
    s.resolved_at as resolved_at_text
  from source as s
),

checked as (
  select
    *,
    -- the first problem found decides the reject reason
    coalesce(
      case when row_note is not null then load_problem(row_note_column, row_note, row_note_value) end,
      -- an id a spreadsheet turned into 1.23457E+11 has lost its digits
      id_problem('complaint_id', complaint_id),
      id_problem('ticket_id', ticket_id),
      id_problem('technician_id', technician_id),
      id_problem('outlet_id', outlet_id),
      case when complaint_id is null then load_problem('complaint_id', 'missing_value', null) end,
      case when received_at_text is null then load_problem('received_at', 'missing_value', null)
           when received_at is null then load_problem('received_at', 'invalid_timestamp', received_at_text) end,
      case when category_text is null then load_problem('category', 'missing_value', null)
           when category is null then load_problem('category', 'unknown_value', category_text) end,
      case when responsible_text is null then load_problem('responsible', 'missing_value', null)
           when responsible is null then load_problem('responsible', 'unknown_value', responsible_text) end,
      case when verified_text is null then load_problem('verified', 'missing_value', null)
           when verified is null then load_problem('verified', 'unknown_value', verified_text) end,
      case when resolved_at is null and resolved_at_text is not null then load_problem('resolved_at', 'invalid_timestamp', resolved_at_text) end
    ) as problem
  from typed
),

final as (
  select
    file_index,
    problem,
    complaint_id,
    ticket_id,
    technician_id,
    outlet_id,
    received_at,
    category,
    responsible,
    verified,
    resolved_at
  from checked
)

select * from final
