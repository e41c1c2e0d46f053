-- Types one violations export (supervisors' manual records).
-- Input: input_text (one row per data row: file_index (which file of those read together), row_note with its column and
--   value for rows that are not records, canonical text columns)
--   and cfg_penalty_rules (the schedule: a rule the schedule does not know needs its own amount).
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
    clean_id(s.violation_id) as violation_id,
    clean_id(s.technician_id) as technician_id,
    parse_ts(s.occurred_at) as occurred_at,
    upper(s.rule_id) as rule_id,
    parse_money(s.amount) as amount,
    s.note,
    s.occurred_at as occurred_at_text,
    s.amount as amount_text,
    rules.rule_id is not null as rule_known
  from source as s
  left join cfg_penalty_rules as rules
    on rules.rule_id = upper(s.rule_id)
),

checked as (
  select
    *,
    -- the first problem found decides the reject reason
    coalesce(
      case when row_note is not null then load_problem(row_note_column, row_note, row_note_value) end,
      -- an id a spreadsheet turned into 1.23457E+11 has lost its digits
      id_problem('violation_id', violation_id),
      id_problem('technician_id', technician_id),
      case when violation_id is null then load_problem('violation_id', 'missing_value', null) end,
      case when technician_id is null then load_problem('technician_id', 'missing_value', null) end,
      case when occurred_at_text is null then load_problem('occurred_at', 'missing_value', null)
           when occurred_at is null then load_problem('occurred_at', 'invalid_timestamp', occurred_at_text) end,
      case when rule_id is null then load_problem('rule_id', 'missing_value', null) end,
      case when amount is null and amount_text is not null then load_problem('amount', 'invalid_number', amount_text)
           when amount < 0 then load_problem('amount', 'negative_amount', amount_text) end,
      case when rule_id is not null and not rule_known and amount_text is null then load_problem('rule_id', 'unknown_rule_without_amount', rule_id) end
    ) as problem
  from typed
),

final as (
  select
    file_index,
    problem,
    violation_id,
    technician_id,
    occurred_at,
    rule_id,
    amount,
    note
  from checked
)

select * from final
