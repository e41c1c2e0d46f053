-- Gives each row that DuckDB's CSV reader accepted the physical line it starts on in the file.
-- DuckDB keeps the file's order (position) but skips the lines it did not turn into rows; it numbers
-- lines by record, so a quoted line break inside a record is not counted.
-- Inputs: file_rows_ordered (accepted rows, position = order in the file), file_gaps (DuckDB line numbers of
--   blank lines and of records the reader rejected), file_multiline (DuckDB line of each record that
--   spans several physical lines, and how many extra lines it takes).
-- Output: row_index, duckdb_line (the reader's line number), source_line.
-- Grain: one row per accepted row.
with gaps as (
  select
    line,
    row_number() over (order by line) as gaps_so_far
  from (select distinct line from file_gaps)
),

gap_steps as (
  -- accepted rows before a gap: the lines between the header and the gap, less the gaps among them
  select
    line - gaps_so_far - 1 as accepted_before,
    max(gaps_so_far) as gaps_so_far
  from gaps
  group by all
),

accepted as (
  select
    position as row_index,
    position + 1 as accepted_ordinal
  from file_rows_ordered
),

duckdb_lines as (
  select
    accepted.row_index,
    accepted.accepted_ordinal + 1 + coalesce(gap_steps.gaps_so_far, 0) as duckdb_line
  from accepted
  asof left join gap_steps
    on accepted.accepted_ordinal > gap_steps.accepted_before
),

extra_steps as (
  select
    line,
    sum(extra) over (order by line) as extra_so_far
  from file_multiline
),

final as (
  select
    duckdb_lines.row_index,
    duckdb_lines.duckdb_line,
    duckdb_lines.duckdb_line + coalesce(extra_steps.extra_so_far, 0) as source_line
  from duckdb_lines
  asof left join extra_steps
    on duckdb_lines.duckdb_line > extra_steps.line
)

select * from final
