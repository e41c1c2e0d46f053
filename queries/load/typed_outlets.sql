-- Types outlets reference exports (one file, or several files of the same header read together).
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
    clean_id(s.outlet_id) as outlet_id,
    s.name,
    parse_tier(s.tier) as tier,
    s.city,
    s.tier as tier_text
  from source as s
),

checked as (
  select
    *,
    -- the first problem found decides the reject reason
    coalesce(
      case when row_note is not null then load_problem(row_note_column, row_note, row_note_value) end,
      -- an id a spreadsheet turned into 1.23457E+11 has lost its digits
      id_problem('outlet_id', outlet_id),
      case when outlet_id is null then load_problem('outlet_id', 'missing_value', null) end,
      case when tier is null and tier_text is not null then load_problem('tier', 'unknown_value', tier_text) end
    ) as problem
  from typed
),

final as (
  select file_index, problem, outlet_id, name, tier, city
  from checked
)

select * from final
