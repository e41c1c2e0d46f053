// The statements that read a planned file with DuckDB's CSV reader (every column as text), the
// view the typing queries (queries/load/typed_<kind>.sql) read, and the reader's rejects: which
// line, why, which column. Nothing read from a file is SQL text here: a header reaches SQL as a
// variable, the paths DuckDB reads are the loader's own copies (clean-csv.ts).
import { listValue } from '@duckdb/node-api';
import { sqlIdent, sqlString, type Db } from '../common/db.ts';
import { headerSpellings, sensitiveColumns, type HeaderMapping } from './kinds.ts';
import type { FilePlan } from './plan.ts';
import { RAW_LINE_CHARS } from './rejects.ts';

const READER_ERRORS: Record<string, string> = {
  'MISSING COLUMNS': 'too_few_columns',
  'TOO MANY COLUMNS': 'too_many_columns',
  'UNQUOTED VALUE': 'bad_quoting',
  'INVALID UNICODE': 'invalid_encoding',
  'LINE SIZE OVER MAXIMUM': 'line_too_long',
  'INVALID STATE': 'bad_quoting',
};

/** DuckDB's CSV reader over the files of a plan (all with its header), every column as text. */
export function readerOf(plan: FilePlan, paths: string[], rejects: 'store' | 'skip', fileNames: boolean): string {
  const columnSpec = `{${plan.headers.map((_, i) => `'c${i + 1}': 'VARCHAR'`).join(', ')}}`;
  const files = paths.length === 1 ? sqlString(paths[0]!) : `[${paths.map(sqlString).join(', ')}]`;
  return `read_csv(${files},
        header = true, auto_detect = false, delim = ${sqlString(plan.delimiter)}, quote = '"', escape = '"',
        columns = ${columnSpec}, strict_mode = true, ${plan.readerLimits},${fileNames ? ' filename = true,' : ''}
        ${rejects === 'store' ? `store_rejects = true, rejects_table = 'reader_errors', rejects_scan = 'reader_scans'` : 'ignore_errors = true'})`;
}

/** Which of the files read together a row comes from, by the file name DuckDB gives it. */
export function fileIndexOf(plans: FilePlan[], fileName: string): string {
  return `case ${fileName} ${plans.map((p, i) => `when ${sqlString(p.readPath)} then ${i}`).join(' ')} end`;
}

/** The column a file column stands for: the canonical name, or the file's own header. */
export function columnLabel(plan: FilePlan, index: number): string {
  return [...plan.mapping.columns.entries()].find(([, i]) => i === index)?.[0] ?? plan.mapping.duplicates.find((d) => d.index === index)?.column ?? plan.headers[index]!;
}

/**
 * The lines DuckDB's reader rejected (its rejects table), one row each with the first error of the
 * line (an error about the whole line has no column) and the raw line, masked; with the index of
 * the file among those read together when fileIndex (SQL over the scans table) is given.
 */
export function readerErrors(fileIndex?: string): string {
  const first = (column: string) => `min_by(errors.${column}, coalesce(errors.column_idx, 0))`;
  const blank = `trim(${first('csv_line')}, E' \\t\\r\\n') = ''`;
  return `
      select ${fileIndex ? `${fileIndex} as file_index, ` : ''}errors.line,
             -- a line of nothing but spaces is an empty row, not a row with too few columns
             case when ${blank} then 'EMPTY ROW' else ${first('error_type')} end as error_type,
             case when ${blank} then null else ${first('column_name')} end as column_name,
             left(mask_phone_numbers(trim(${first('csv_line')}, chr(10) || chr(13))), ${RAW_LINE_CHARS}) as raw_line
      from reader_errors as errors
      ${fileIndex ? 'join reader_scans as scans on scans.scan_id = errors.scan_id and scans.file_id = errors.file_id' : ''}
      group by all`;
}

/**
 * A reader reject's column: the canonical name of the file column it names, or the file's own
 * header (SQL over column_name, after setColumnLabels: a header is data, never SQL text).
 */
export const READER_REJECT_COLUMN = `getvariable('load_column_labels')[try_cast(substr(column_name, 2) as integer)]`;

/** The labels of the file columns c1, c2 … of a plan (columnLabel), as the variable load_column_labels. */
export async function setColumnLabels(db: Db, plan: FilePlan): Promise<void> {
  await db.run(`set variable load_column_labels = $1::varchar[]`, [listValue(plan.headers.map((_, i) => columnLabel(plan, i)))]);
}

/** A reader reject's reason, from the reader's error type (SQL over error_type). */
export const READER_REJECT_REASON = `coalesce(case error_type ${Object.entries(READER_ERRORS).map(([k, v]) => `when ${sqlString(k)} then ${sqlString(v)}`).join(' ')} end, lower(replace(error_type, ' ', '_')))`;


/**
 * The typing query's input (a view, read once, by the typing query): normalised text by file
 * column, canonical column names, and a note for rows that are not records or hold a control
 * character. Nothing of the file is SQL text here but the positions of its columns.
 */
export function inputTextView(plan: FilePlan, reader: string, fileIndex: string): string {
  const { mapping, headers, norm } = plan;
  const fileColumns = headers.map((_, i) => `c${i + 1}`);
  const read = mappedIndexes(mapping);
  return `
    create or replace temp view input_text as
    with cells as (
      select
        ${fileIndex} as file_index,
        ${fileColumns.map((c, i) => (read.includes(i) ? `${norm}(f.${c}) as ${c}` : `f.${c}`)).join(',\n        ')}
      from ${reader} as f
    ),
    noted as (
      select *, coalesce(${rowNotes(plan).join(',\n        ')}) as note
      from cells
    )
    select
      file_index,
      note.reason as row_note,
      note.column as row_note_column,
      note.value as row_note_value,
      ${canonicalColumns(plan)}
    from noted`;
}

/** The file column c1, c2 … at a position of the header. */
const cell = (i: number) => `c${i + 1}`;

const duplicatesOf = (mapping: HeaderMapping, column: string) => mapping.duplicates.filter((d) => d.column === column).map((d) => d.index);

/** The positions of the file columns that are read: those that map to a column of the kind. */
const mappedIndexes = (mapping: HeaderMapping) => [...mapping.columns.values(), ...mapping.duplicates.map((d) => d.index)];

/** A row's note (SQL): why it is not a record, and the column and value at fault. */
const note = (reason: string, column = 'null::varchar', value = 'null::varchar') =>
  `{'reason': ${sqlString(reason)}, 'column': ${column}, 'value': ${value}}`;

/** The kind's columns by their canonical names, from the file columns that hold them. */
function canonicalColumns(plan: FilePlan): string {
  const { kind, mapping } = plan;
  // a column given twice: the value is whichever holds one; two different values reject the row
  return kind.columns
    .map((c) => {
      const i = mapping.columns.get(c.name);
      if (i === undefined) return `null::varchar as ${sqlIdent(c.name)}`;
      const all = [i, ...duplicatesOf(mapping, c.name)];
      return `${all.length > 1 ? `coalesce(${all.map(cell).join(', ')})` : cell(i)} as ${sqlIdent(c.name)}`;
    })
    .join(',\n      ');
}

/** The notes a row may get (SQL, the first that applies wins): rows that are not records, or not clean. */
function rowNotes(plan: FilePlan): string[] {
  const { kind, mapping, headers } = plan;
  const fileColumns = headers.map((_, i) => `c${i + 1}`);
  const keyIndex = mapping.columns.get(kind.key)!;
  const read = mappedIndexes(mapping);
  // (the file's own spelling of the key header is one of these: that is how its column was found)
  const spellings = [...new Set(headerSpellings(kind))].map(sqlString).join(', ');
  return [
    ...controlCharacterNote(plan),
    // the header again (exports put one after the other), in any spelling of the kind's columns
    `case when norm_header_quick(${cell(keyIndex)}) in (${spellings}) then ${note('repeated_header')} end`,
    // 合计/总计 rows: the label in the key column, in a first column that is not data (序号), or in
    // any column when the key is blank
    `case when ${read.includes(0) ? '' : 'is_summary_label(c1) or '}is_summary_label(${cell(keyIndex)})` +
      (headers.length > 1 ? ` or (${cell(keyIndex)} is null and row_has_summary_label(concat_ws(chr(31), ${fileColumns.join(', ')})))` : '') +
      ` then ${note('summary_row')} end`,
    `case when ${read.map((i) => `${cell(i)} is null`).join(' and ')} then ${note('empty_row')} end`,
    ...conflictNotes(plan),
  ];
}

/**
 * A control character in a column that is read (the extra columns are never stored): the first
 * such cell; one test of the whole row first, the cells only for the rows it finds. Only for a
 * file the pre-pass found one in.
 */
function controlCharacterNote(plan: FilePlan): string[] {
  const { mapping } = plan;
  if (!plan.controls) return [];
  const read = mappedIndexes(mapping);
  const labelOf = (i: number) => sqlString(mapping.duplicates.find((d) => d.index === i)?.column ?? [...mapping.columns.entries()].find(([, k]) => k === i)![0]);
  return [`case when has_control_character(concat(${read.map(cell).join(', ')})) then coalesce(${[...read]
    .sort((a, b) => a - b)
    .map((i) => `case when has_control_character(${cell(i)}) then ${note('control_character', labelOf(i), `control_characters_shown(${cell(i)})`)} end`)
    .join(', ')}) end`];
}

/** The two values of a column given twice, as the reject shows them (a sensitive column's are masked later). */
function conflictNotes(plan: FilePlan): string[] {
  const { kind, mapping } = plan;
  const sensitive = sensitiveColumns(kind);
  return [...mapping.columns.entries()].flatMap(([column, i]) =>
    duplicatesOf(mapping, column).map((j) => {
      const shown = sensitive.includes(column) ? `'***'` : `${cell(i)} || ' | ' || ${cell(j)}`;
      return `case when ${cell(i)} <> ${cell(j)} then ${note('conflicting_values', sqlString(column), shown)} end`;
    }),
  );
}
