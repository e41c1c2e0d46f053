-- Types tickets exports (one file, or several files of the same header read together).
-- Input: input_text (one row per data row: file_index (which file of those read together), a row_note with its
--   column and value for rows that are not records (repeated headers, summary rows, conflicting
--   duplicate columns), and the canonical columns as normalised text).
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
    clean_id(s.ticket_id) as ticket_id,
    clean_id(s.outlet_id) as outlet_id,
    clean_id(s.technician_id) as technician_id,
    parse_service_type(s.service_type) as service_type,
    s.product_category,
    -- a serial a spreadsheet wrote as 12345.0 is the serial 12345, as for ids
    clean_id(s.product_serial) as product_serial,
    parse_ts(s.created_at) as created_at,
    parse_ts(s.appointment_start) as appointment_start,
    parse_ts(s.appointment_end) as appointment_end,
    parse_ts(s.original_appointment_start) as original_appointment_start,
    parse_ts(s.original_appointment_end) as original_appointment_end,
    parse_ts(s.rescheduled_at) as rescheduled_at,
    parse_ts(s.arrived_at) as arrived_at,
    parse_ts(s.completed_at) as completed_at,
    parse_status(s.status) as status,
    parse_money(s.fee_charged) as fee_charged,
    parse_money(s.fee_standard) as fee_standard,
    s.customer_phone,
    parse_ts(s.updated_at) as updated_at,
    s.service_type as service_type_text,
    s.created_at as created_at_text,
    s.appointment_start as appointment_start_text,
    s.appointment_end as appointment_end_text,
    s.original_appointment_start as original_appointment_start_text,
    s.original_appointment_end as original_appointment_end_text,
    s.rescheduled_at as rescheduled_at_text,
    s.arrived_at as arrived_at_text,
    s.completed_at as completed_at_text,
    s.status as status_text,
    s.fee_charged as fee_charged_text,
    s.fee_standard as fee_standard_text,
    s.updated_at as updated_at_text
  from source as s
),

checked as (
  select
    *,
    -- the first problem found decides the reject reason
    coalesce(
      case when row_note is not null then load_problem(row_note_column, row_note, row_note_value) end,
      -- an id a spreadsheet turned into 1.23457E+11 has lost its digits
      id_problem('ticket_id', ticket_id),
      id_problem('outlet_id', outlet_id),
      id_problem('technician_id', technician_id),
      case when ticket_id is null then load_problem('ticket_id', 'missing_value', null) end,
      case when outlet_id is null then load_problem('outlet_id', 'missing_value', null) end,
      case when service_type_text is null then load_problem('service_type', 'missing_value', null)
           when service_type is null then load_problem('service_type', 'unknown_value', service_type_text) end,
      case when created_at_text is null then load_problem('created_at', 'missing_value', null)
           when created_at is null then load_problem('created_at', 'invalid_timestamp', created_at_text) end,
      case when appointment_start is null and appointment_start_text is not null then load_problem('appointment_start', 'invalid_timestamp', appointment_start_text) end,
      case when appointment_end is null and appointment_end_text is not null then load_problem('appointment_end', 'invalid_timestamp', appointment_end_text) end,
      case when original_appointment_start is null and original_appointment_start_text is not null then load_problem('original_appointment_start', 'invalid_timestamp', original_appointment_start_text) end,
      case when original_appointment_end is null and original_appointment_end_text is not null then load_problem('original_appointment_end', 'invalid_timestamp', original_appointment_end_text) end,
      case when rescheduled_at is null and rescheduled_at_text is not null then load_problem('rescheduled_at', 'invalid_timestamp', rescheduled_at_text) end,
      case when arrived_at is null and arrived_at_text is not null then load_problem('arrived_at', 'invalid_timestamp', arrived_at_text) end,
      case when completed_at is null and completed_at_text is not null then load_problem('completed_at', 'invalid_timestamp', completed_at_text) end,
      case when status_text is null then load_problem('status', 'missing_value', null)
           when status is null then load_problem('status', 'unknown_value', status_text) end,
      case when fee_charged is null and fee_charged_text is not null then load_problem('fee_charged', 'invalid_number', fee_charged_text) end,
      case when fee_standard is null and fee_standard_text is not null then load_problem('fee_standard', 'invalid_number', fee_standard_text) end,
      case when updated_at is null and updated_at_text is not null then load_problem('updated_at', 'invalid_timestamp', updated_at_text) end,
      -- a completed ticket must say who completed it and when
      case when status = 'completed' and technician_id is null then load_problem('technician_id', 'missing_value', null) end,
      case when status = 'completed' and completed_at_text is null then load_problem('completed_at', 'missing_value', null) end
    ) as problem
  from typed
),

final as (
  select
    file_index,
    problem,
    ticket_id,
    outlet_id,
    technician_id,
    service_type,
    product_category,
    product_serial,
    created_at,
    appointment_start,
    appointment_end,
    original_appointment_start,
    original_appointment_end,
    rescheduled_at,
    arrived_at,
    completed_at,
    status,
    fee_charged,
    fee_standard,
    customer_phone,
    updated_at
  from checked
)

select * from final
