-- Types one complaints export.
-- Input: input_text (one row per data row: source_line, raw_line, row_note, canonical text columns).
-- Grain: one row per data row, typed, with the list of problems found (empty = loadable).
with source as (
  select * from input_text
),

typed as (
  select
    s.source_line,
    s.raw_line,
    s.row_note,
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
    list_filter([
      case when row_note is not null then problem(null, row_note, null) end,
      case when complaint_id is null then problem('complaint_id', 'missing_value', null) end,
      case when received_at_text is null then problem('received_at', 'missing_value', null)
           when received_at is null then problem('received_at', 'invalid_timestamp', received_at_text) end,
      case when category_text is null then problem('category', 'missing_value', null)
           when category is null then problem('category', 'unknown_value', category_text) end,
      case when responsible_text is null then problem('responsible', 'missing_value', null)
           when responsible is null then problem('responsible', 'unknown_value', responsible_text) end,
      case when verified_text is null then problem('verified', 'missing_value', null)
           when verified is null then problem('verified', 'unknown_value', verified_text) end,
      case when resolved_at is null and resolved_at_text is not null then problem('resolved_at', 'invalid_timestamp', resolved_at_text) end
    ], p -> p is not null) as problems
  from typed
),

final as (
  select
    source_line,
    raw_line,
    problems,
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
