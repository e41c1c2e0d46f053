-- Types appeals exports (申诉, spec 6.3): one file, or several files of the same header read together.
-- Input: input_text (one row per data row: file_index (which file of those read together), row_note with its column and
--   value for rows that are not records, canonical text columns).
-- Grain: one row per data row, typed, with the first problem found (null = loadable).
-- What needs the penalty lines (the line exists; a reduced amount is below the line's) is checked
-- by the build, once the lines are there (queries/intermediate/int_appeal_checks.sql).
-- updated_at, the version a later export is compared by, is the export's update time, or else the
-- decision time.
with source as (
  select * from input_text
),

typed as (
  select
    s.file_index,
    s.row_note,
    s.row_note_column,
    s.row_note_value,
    clean_id(s.appeal_id) as appeal_id,
    s.line_id,
    parse_ts(s.submitted_at) as submitted_at,
    coalesce(
      case s.decision
        when 'pending' then 'pending' when '待处理' then 'pending' when '处理中' then 'pending' when '未处理' then 'pending' when '审核中' then 'pending'
        when 'upheld' then 'upheld' when '维持' then 'upheld' when '维持原判' then 'upheld' when '驳回' then 'upheld'
        when 'waived' then 'waived' when '撤销' then 'waived' when '免除' then 'waived' when '全免' then 'waived'
        when 'reduced' then 'reduced' when '减免' then 'reduced' when '部分减免' then 'reduced' when '减少' then 'reduced'
      end,
      case lower(s.decision)
        when 'pending' then 'pending' when 'upheld' then 'upheld' when 'waived' then 'waived' when 'reduced' then 'reduced'
      end
    ) as decision,
    parse_money(s.decided_amount) as decided_amount,
    parse_ts(s.decided_at) as decided_at,
    s.reason,
    parse_ts(s.updated_at) as updated_at_given,
    s.submitted_at as submitted_at_text,
    s.decision as decision_text,
    s.decided_amount as decided_amount_text,
    s.decided_at as decided_at_text,
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
      id_problem('appeal_id', appeal_id),
      case when appeal_id is null then load_problem('appeal_id', 'missing_value', null) end,
      case when line_id is null then load_problem('line_id', 'missing_value', null) end,
      case when submitted_at_text is null then load_problem('submitted_at', 'missing_value', null)
           when submitted_at is null then load_problem('submitted_at', 'invalid_timestamp', submitted_at_text) end,
      case when decision_text is null then load_problem('decision', 'missing_value', null)
           when decision is null then load_problem('decision', 'unknown_value', decision_text) end,
      case when decided_amount is null and decided_amount_text is not null then load_problem('decided_amount', 'invalid_number', decided_amount_text)
           when decision = 'reduced' and decided_amount_text is null then load_problem('decided_amount', 'missing_value', null)
           -- below 0 is wrong whatever the line; at or above the line's amount is found by the build
           when decision = 'reduced' and decided_amount < 0 then load_problem('decided_amount', 'negative_amount', decided_amount_text) end,
      case when decided_at is null and decided_at_text is not null then load_problem('decided_at', 'invalid_timestamp', decided_at_text) end,
      case when updated_at_given is null and updated_at_text is not null then load_problem('updated_at', 'invalid_timestamp', updated_at_text) end
    ) as problem
  from typed
),

final as (
  select
    file_index,
    problem,
    appeal_id,
    line_id,
    submitted_at,
    decision,
    decided_amount,
    decided_at,
    reason,
    coalesce(updated_at_given, decided_at) as updated_at
  from checked
)

select * from final
