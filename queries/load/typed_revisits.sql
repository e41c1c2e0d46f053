-- Types revisits exports (one file, or several files of the same header read together).
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
    clean_id(s.revisit_id) as revisit_id,
    clean_id(s.ticket_id) as ticket_id,
    parse_ts(s.revisit_at) as revisit_at,
    parse_reached(s.reached) as reached,
    parse_result(s.result) as result,
    parse_bool(s.on_time_answer) as on_time_answer,
    parse_bool(s.uniform_badge) as uniform_badge,
    parse_bool(s.shoe_covers) as shoe_covers,
    parse_bool(s.four_nots_ok) as four_nots_ok,
    parse_bool(s.site_cleaned) as site_cleaned,
    parse_bool(s.explained_usage) as explained_usage,
    parse_bool(s.signed_record) as signed_record,
    parse_bool(s.charged_per_standard) as charged_per_standard,
    s.reason,
    s.revisit_at as revisit_at_text,
    s.reached as reached_text,
    s.result as result_text,
    s.on_time_answer as on_time_answer_text,
    s.uniform_badge as uniform_badge_text,
    s.shoe_covers as shoe_covers_text,
    s.four_nots_ok as four_nots_ok_text,
    s.site_cleaned as site_cleaned_text,
    s.explained_usage as explained_usage_text,
    s.signed_record as signed_record_text,
    s.charged_per_standard as charged_per_standard_text
  from source as s
),

checked as (
  select
    *,
    -- the first problem found decides the reject reason
    coalesce(
      case when row_note is not null then load_problem(row_note_column, row_note, row_note_value) end,
      -- an id a spreadsheet turned into 1.23457E+11 has lost its digits
      id_problem('revisit_id', revisit_id),
      id_problem('ticket_id', ticket_id),
      case when revisit_id is null then load_problem('revisit_id', 'missing_value', null) end,
      case when ticket_id is null then load_problem('ticket_id', 'missing_value', null) end,
      case when revisit_at_text is null then load_problem('revisit_at', 'missing_value', null)
           when revisit_at is null then load_problem('revisit_at', 'invalid_timestamp', revisit_at_text) end,
      case when reached_text is null then load_problem('reached', 'missing_value', null)
           when reached is null then load_problem('reached', 'unknown_value', reached_text) end,
      case when result is null and result_text is not null then load_problem('result', 'unknown_value', result_text) end,
      case when on_time_answer is null and on_time_answer_text is not null then load_problem('on_time_answer', 'unknown_value', on_time_answer_text) end,
      case when uniform_badge is null and uniform_badge_text is not null then load_problem('uniform_badge', 'unknown_value', uniform_badge_text) end,
      case when shoe_covers is null and shoe_covers_text is not null then load_problem('shoe_covers', 'unknown_value', shoe_covers_text) end,
      case when four_nots_ok is null and four_nots_ok_text is not null then load_problem('four_nots_ok', 'unknown_value', four_nots_ok_text) end,
      case when site_cleaned is null and site_cleaned_text is not null then load_problem('site_cleaned', 'unknown_value', site_cleaned_text) end,
      case when explained_usage is null and explained_usage_text is not null then load_problem('explained_usage', 'unknown_value', explained_usage_text) end,
      case when signed_record is null and signed_record_text is not null then load_problem('signed_record', 'unknown_value', signed_record_text) end,
      case when charged_per_standard is null and charged_per_standard_text is not null then load_problem('charged_per_standard', 'unknown_value', charged_per_standard_text) end
    ) as problem
  from typed
),

final as (
  select
    file_index,
    problem,
    revisit_id,
    ticket_id,
    revisit_at,
    reached,
    result,
    on_time_answer,
    uniform_badge,
    shoe_covers,
    four_nots_ok,
    site_cleaned,
    explained_usage,
    signed_record,
    charged_per_standard,
    reason
  from checked
)

select * from final
