// Loads export files into the stored tables. The bulk path is DuckDB's own CSV reader into an
// all-text table, then the typing query of the kind (queries/load/typed_<kind>.sql), all set-based.
// Before it, a streaming pre-pass (prepass.ts) counts the records on its own and finds what the
// reader would stumble over; the few such lines are dealt with first (see prepare below).
// Every row read ends up loaded or in load_rejects with its line and reason, and the two counts
// must agree, or nothing of the run is loaded (all files load in one transaction).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { Db, sqlFile, sqlIdent, sqlString } from './db.ts';
import { blankRanges, copyWithout, looksLikeBrokenUtf8, normaliseLineBreaks, transcodeToUtf8 } from './encoding.ts';
import { KINDS, acceptedHeaders, headerSpellings, kindOfFile, mapHeader, normaliseHeader, type KindDef } from './kinds.ts';
import { detectDelimiter, scanFile, type FileScan, type HeadRecord } from './prepass.ts';
import type { Progress } from './progress.ts';
import { XlsxError, xlsxToCsv } from './xlsx.ts';

/** A problem that stops the run: the message is one line naming the file and what to fix. */
export class FatalLoadError extends Error {}

export type FileOutcome =
  | { file: string; status: 'loaded'; kind: string; batchId: number; encoding: string; rowsRead: number; rowsLoaded: number; rowsRejected: number; extraColumns: string[] }
  | { file: string; status: 'already_loaded'; kind: string; batchId: number }
  | { file: string; status: 'skipped'; reason: string };

export type Logger = (line: string) => void;

const READER_ERRORS: Record<string, string> = {
  'MISSING COLUMNS': 'too_few_columns',
  'TOO MANY COLUMNS': 'too_many_columns',
  'UNQUOTED VALUE': 'bad_quoting',
  'INVALID UNICODE': 'invalid_encoding',
  'LINE SIZE OVER MAXIMUM': 'line_too_long',
  'INVALID STATE': 'bad_quoting',
};

const PII_COLUMNS = ['customer_phone'];

// a record longer than this is rejected (line_too_long), not read
const MAX_LINE_BYTES = 10_000_000;
// the reader's line limit for files whose records are all shorter than half of it
const SHORT_RECORDS_BYTES = 2_000_000;
// a file with more quotes left open than this is not an export the loader can repair line by line
const MAX_QUOTE_REPAIRS = 100;
// the first bytes of a zip archive (an .xlsx) and of an old-style Office file (an .xls)
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
// the raw text kept for a rejected row
const RAW_LINE_CHARS = 4000;

export async function ensureSchema(db: Db): Promise<void> {
  await db.run(sqlFile('schema.sql'));
}

/** Every file of the folder, in a fixed order: by kind (as listed in the spec), then by name. */
export function listInputs(inputDir: string): { path: string; name: string; kind?: KindDef; skip?: string }[] {
  let names: string[];
  try {
    names = readdirSync(inputDir);
  } catch (e) {
    throw new FatalLoadError(`input folder ${inputDir} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const entries = names
    .filter((name) => !name.startsWith('.'))
    .map((name) => {
      const path = join(inputDir, name);
      if (!statSync(path).isFile()) return { path, name, skip: 'not a file' };
      const ext = extname(name).toLowerCase();
      if (name.startsWith('~$')) return { path, name, skip: 'an Excel lock file, not an export' };
      if (ext !== '.csv' && ext !== '.xlsx') return { path, name, skip: `extension ${ext || '(none)'} is not .csv or .xlsx` };
      const kind = kindOfFile(name);
      if (!kind) return { path, name, skip: 'the name matches no export kind (tickets/工单, revisits/回访, complaints/投诉, violations/违规, technicians/工程师, outlets/网点)' };
      return { path, name, kind };
    });
  const order = (k?: KindDef) => (k ? KINDS.indexOf(k) : KINDS.length);
  return entries.sort((a, b) => order(a.kind) - order(b.kind) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Loads every file of the folder in one transaction: a run that stops on a bad file, or is
 * killed, leaves the stored tables as they were before it (one commit is also far cheaper than
 * one per file). The next file's pre-pass runs while DuckDB works on the current one.
 */
export async function loadFolder(db: Db, inputDir: string, log: Logger = () => {}, progress?: Progress): Promise<FileOutcome[]> {
  await ensureSchema(db);
  const outcomes: FileOutcome[] = [];
  const work = mkdtempSync(join(tmpdir(), 'sq-load-'));
  const entries = listInputs(inputDir);
  const sizes = entries.map((e) => (e.kind ? statSync(e.path).size : 0));
  progress?.plan(entries.filter((e) => e.kind).length, sizes.reduce((a, b) => a + b, 0));
  const scans = new Map<string, Promise<FileScan>>();
  const scanOf = (path: string) => {
    let scan = scans.get(path);
    if (!scan) {
      scan = scanFile(path);
      scan.catch(() => undefined); // reported when awaited
      scans.set(path, scan);
    }
    return scan;
  };
  try {
    await db.transaction(async () => {
      for (const [index, entry] of entries.entries()) {
        if (!entry.kind) {
          await db.run(`insert into load_skipped_files values (${sqlString(entry.name)}, ${sqlString(entry.skip ?? 'unknown')}, null, localtimestamp)`);
          log(`skipped ${entry.name}: ${entry.skip}`);
          outcomes.push({ file: entry.name, status: 'skipped', reason: entry.skip ?? 'unknown' });
          continue;
        }
        progress?.fileStarted(entry.name, sizes[index]!);
        const upcoming = entries.slice(index + 1).find((e) => e.kind);
        if (upcoming) void scanOf(upcoming.path);
        const outcome = await loadFile(db, entry.path, entry.kind, work, scanOf(entry.path));
        scans.delete(entry.path);
        if (outcome.status === 'loaded') {
          const line =
            `loaded ${entry.name} (${outcome.kind}, ${outcome.encoding}): read ${outcome.rowsRead}, loaded ${outcome.rowsLoaded}, rejected ${outcome.rowsRejected}` +
            (outcome.extraColumns.length ? `; extra columns kept out: ${outcome.extraColumns.join(', ')}` : '');
          if (progress) progress.fileDone(line, outcome.rowsRead);
          else log(line);
        } else if (outcome.status === 'already_loaded') {
          const line = `unchanged ${entry.name}: the same content was loaded before (batch ${outcome.batchId})`;
          if (progress) progress.fileDone(line, 0);
          else log(line);
        }
        outcomes.push(outcome);
      }
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return outcomes;
}

/** A rejected line the loader finds itself, before DuckDB reads the file. */
interface LineReject {
  line: number;
  reason: string;
  raw: string;
  /** the position of the column at fault, when known */
  field?: number;
}

/** The file as DuckDB will read it, and what the pre-pass learned about it. */
interface Prepared {
  csvPath: string;
  scan: FileScan;
  encoding: string;
  /** records taken out before DuckDB reads the file: a quote never closed, text after a closing quote */
  cut: LineReject[];
}

export async function loadFile(db: Db, path: string, kind: KindDef, workDir: string, scanned?: Promise<FileScan>): Promise<FileOutcome> {
  const file = basename(path);

  let original: FileScan;
  try {
    original = await (scanned ?? scanFile(path));
  } catch (e) {
    throw new FatalLoadError(`${file}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const previous = await db.value<number | undefined>(
    `select batch_id from load_batches where content_hash = ${sqlString(original.sha256)} and kind = ${sqlString(kind.kind)} order by batch_id limit 1`,
  );
  if (previous !== undefined) return { file, status: 'already_loaded', kind: kind.kind, batchId: previous };

  const fileWork = mkdtempSync(join(workDir, 'file-'));
  try {
    return await loadPrepared(db, file, kind, original, await prepare(path, file, original, kind, fileWork), fileWork);
  } finally {
    rmSync(fileWork, { recursive: true, force: true });
  }
}

async function loadPrepared(db: Db, file: string, kind: KindDef, original: FileScan, prepared: Prepared, workDir: string): Promise<FileOutcome> {
  const { csvPath, scan, encoding, cut } = prepared;

  // The header: the first record that names the key column (a title or notes may come first).
  const found = findHeader(scan, kind);
  const header = found.header;
  if (!found.byKey && cut.length > 0 && (header === undefined || cut[0]!.line < header.line)) {
    throw new FatalLoadError(`${file}: line ${cut[0]!.line} opens a quote that is never closed, so the header cannot be read; fix the quote and load the file again`);
  }
  // the records were split with the scan's delimiter: the header is read with it too
  const delimiter = scan.delimiter;
  const headers = header && found.delimiter !== delimiter ? splitRecord(header, delimiter) : found.fields;
  if (headers.some((h) => h.includes('\u0000'))) {
    throw new FatalLoadError(`${file}: the header holds NUL bytes: a UTF-16 file without a byte-order mark? Save it as UTF-8 or GBK`);
  }
  const mapping = mapHeader(kind, headers);
  const missing = kind.columns.filter((c) => c.required && !mapping.columns.has(c.name));
  if (headers.length > 0 && missing.length > 0) {
    const c = missing[0]!;
    throw new FatalLoadError(`${file}: required column ${c.name} is missing (accepted headers: ${acceptedHeaders(c)})`);
  }

  const batchId = await db.value<number>(`select nextval('load_batch_seq')`);
  const extraColumns = [...mapping.extra.filter((h) => h.trim() !== ''), ...mapping.repeated];
  const fileLiteral = sqlString(file);
  const batchRow = (read: number, loaded: number, rejected: number) =>
    `insert into load_batches values (${batchId}, ${fileLiteral}, ${sqlString(original.sha256)}, ${sqlString(kind.kind)}, ${sqlString(encoding)}, ${read}, ${loaded}, ${rejected}, localtimestamp)`;

  // lines above the header that hold something (a title, notes) are not records: rejected as such
  const preamble: LineReject[] = header
    ? scan.head
        .filter((r) => r.unit < header.unit && !r.whitespace)
        .map((r) => ({ line: r.line, reason: 'before_header', raw: r.bytes.toString('utf8').slice(0, RAW_LINE_CHARS) }))
    : [];
  const lineRejects = [...cut, ...preamble].sort((a, b) => a.line - b.line);

  if (!header) {
    // nothing but blank lines: nothing to read, but the file is recorded so the data-quality view shows it
    await insertLineRejects(db, batchId, file, lineRejects, () => null);
    const rejected = lineRejects.length;
    await db.run(batchRow(rejected, 0, rejected));
    return { file, status: 'loaded' as const, kind: kind.kind, batchId, encoding, rowsRead: rejected, rowsLoaded: 0, rowsRejected: rejected, extraColumns };
  }

  // DuckDB reads from the header on: lines above it are cut off (its skip option counts lines
  // otherwise than records, so it is not used). A header with quotes in it is replaced by a plain
  // one: DuckDB's reader reads nothing at all after a header holding a quoted line break.
  const headerExtra = scan.multiline.find((m) => m.unit === header.unit)?.extra ?? 0;
  let readPath = csvPath;
  if (header.bytes.includes(0x22)) {
    readPath = join(workDir, 'plain-header.csv');
    const eol = scan.newlines.crlf > 0 ? '\r\n' : '\n';
    await copyWithout(csvPath, readPath, 0, header.next, headers.map((_, i) => `c${i + 1}`).join(delimiter) + eol);
  } else if (header.start > (scan.bom ? 3 : 0)) {
    readPath = join(workDir, 'from-header.csv');
    await copyWithout(csvPath, readPath, 0, header.start);
  }
  // DuckDB's line numbers from the header on (the header is line 1), and the physical lines they stand for
  const relative = (unit: number) => unit - header.unit + 1;
  const linesAboveData = header.line - 1 + headerExtra; // physical lines above the first data line, less one
  const blankAfter = scan.blankUnits.filter((u) => u > header.unit).map(relative);
  const multilineAfter = scan.multiline.filter((m) => m.unit > header.unit).map((m) => [relative(m.unit), m.extra]);
  // DuckDB reads a blank line of a one-column file as an empty row: it is read, then left out
  const blankRows = headers.length === 1 ? blankAfter : [];
  const gaps = headers.length === 1 ? [] : blankAfter;
  const dataRecords = scan.records - scan.head.filter((r) => r.unit <= header.unit).length;
  const records = dataRecords + blankRows.length;

  // 1. DuckDB's reader, every column as text; rows it cannot split go to its rejects table. The
  //    typing query (step 3) reads straight from it, so the text is not stored first: one pass,
  //    in parallel (the buffer is the smallest the longest accepted line allows).
  const fileColumns = headers.map((_, i) => `c${i + 1}`);
  const columnSpec = `{${fileColumns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`;
  // DuckDB's buffer is 16 times the longest line it accepts, and a file within one buffer is read
  // by one thread: when every record is short, a smaller limit (that no record reaches) lets the
  // reader split the file between threads
  const readerLimits = scan.longestRecord < SHORT_RECORDS_BYTES / 2
    ? `max_line_size = ${SHORT_RECORDS_BYTES}, buffer_size = ${SHORT_RECORDS_BYTES * 2}`
    : `max_line_size = ${MAX_LINE_BYTES}`;
  const reader = (rejects: 'store' | 'skip') => `read_csv(${sqlString(readPath)},
        header = true, auto_detect = false, delim = ${sqlString(delimiter)}, quote = '"', escape = '"',
        columns = ${columnSpec}, strict_mode = true, ${readerLimits},
        ${rejects === 'store' ? `store_rejects = true, rejects_table = 'reader_errors', rejects_scan = 'reader_scans'` : 'ignore_errors = true'})`;
  await db.run(`drop table if exists temp.reader_errors; drop table if exists temp.reader_scans;`);

  // 3. Normalised text by file column, canonical column names, and a note for rows that are not
  //    records (a view: it is read once, by the typing query).
  // the cheapest normalisation the file needs: most exports hold no tabs, full-width forms or
  // quoted line breaks in their values, and then trimming spaces is enough
  const norm = scan.wideForms ? 'norm_text_wide' : scan.otherBlanks || scan.multiline.length > 0 ? 'norm_text' : 'norm_text_plain';
  const keyIndex = mapping.columns.get(kind.key)!;
  const cell = (i: number) => `c${i + 1}`;
  const duplicatesOf = (column: string) => mapping.duplicates.filter((d) => d.column === column).map((d) => d.index);
  // a column given twice: the value is whichever holds one; two different values reject the row
  const canonical = kind.columns
    .map((c) => {
      const i = mapping.columns.get(c.name);
      if (i === undefined) return `null::varchar as ${sqlIdent(c.name)}`;
      const all = [i, ...duplicatesOf(c.name)];
      return `${all.length > 1 ? `coalesce(${all.map(cell).join(', ')})` : cell(i)} as ${sqlIdent(c.name)}`;
    })
    .join(',\n      ');
  const note = (reason: string, column = 'null::varchar', value = 'null::varchar') =>
    `{'reason': ${sqlString(reason)}, 'column': ${column}, 'value': ${value}}`;
  const spellings = [...new Set([...headerSpellings(kind), normaliseHeader(headers[keyIndex]!)])].map(sqlString).join(', ');
  const conflicts = [...mapping.columns.entries()].flatMap(([column, i]) =>
    duplicatesOf(column).map((j) => {
      const shown = PII_COLUMNS.includes(column) ? `'***'` : `${cell(i)} || ' | ' || ${cell(j)}`;
      return `case when ${cell(i)} <> ${cell(j)} then ${note('conflicting_values', sqlString(column), shown)} end`;
    }),
  );
  const mappedIndexes = [...mapping.columns.values(), ...mapping.duplicates.map((d) => d.index)];
  const notes = [
    // the header again (exports put one after the other), in any spelling of the kind's columns
    `case when norm_header(${cell(keyIndex)}) in (${spellings}) then ${note('repeated_header')} end`,
    // 合计/总计 rows: the label in the key column, in a first column that is not data (序号), or in
    // any column when the key is blank
    `case when ${mappedIndexes.includes(0) ? '' : 'is_summary_label(c1) or '}is_summary_label(${cell(keyIndex)})` +
      (headers.length > 1 ? ` or (${cell(keyIndex)} is null and row_has_summary_label(concat_ws(chr(31), ${fileColumns.join(', ')})))` : '') +
      ` then ${note('summary_row')} end`,
    `case when ${mappedIndexes.map((i) => `${cell(i)} is null`).join(' and ')} then ${note('empty_row')} end`,
    ...conflicts,
  ];
  await db.run(`
    create or replace temp view input_text as
    with cells as (
      select
        -- lines are given after the reader has run (step 4): they depend on what it rejected
        null::bigint as source_line,
        null::bigint as row_index,
        ${fileColumns.map((c, i) => (mappedIndexes.includes(i) ? `${norm}(f.${c}) as ${c}` : `f.${c}`)).join(',\n        ')}
      from ${reader('store')} as f
    ),
    noted as (
      select *, coalesce(${notes.join(',\n        ')}) as note
      from cells
    )
    select
      source_line,
      row_index,
      note.reason as row_note,
      note.column as row_note_column,
      note.value as row_note_value,
      ${canonical}
    from noted`);
  // the typed rows keep the reader's order: rowid is the position among the rows it accepted
  try {
    await db.run(`create or replace temp table typed_all as ${sqlFile(`load/typed_${kind.kind}.sql`)}`);
  } catch (e) {
    throw new FatalLoadError(`${file}: the CSV reader stopped: ${(e as Error).message.split('\n')[0]}; nothing from this file was loaded`);
  }

  // 4. Line numbers: blank lines and reader rejects are the gaps between accepted rows.
  await db.run(`create or replace temp table file_multiline (line bigint, extra bigint)`);
  await db.run(`create or replace temp table file_gaps (line bigint)`);
  await db.run(`create or replace temp table file_blank_rows (line bigint)`);
  await insertNumbers(db, 'file_gaps', gaps.map((l) => [l]));
  await insertNumbers(db, 'file_blank_rows', blankRows.map((l) => [l]));
  await insertNumbers(db, 'file_multiline', [...(linesAboveData > 0 ? [[1, linesAboveData]] : []), ...multilineAfter]);
  await db.run(`
    create or replace temp table reader_rejects as
    with errors as (
      -- the first error of a line (an error about the whole line has no column)
      select line, min_by(error_type, coalesce(column_idx, 0)) as error_type, min_by(column_name, coalesce(column_idx, 0)) as column_name,
             min_by(csv_line, coalesce(column_idx, 0)) as csv_line
      from reader_errors group by line
    ),
    extra_steps as (select line, sum(extra) over (order by line) as extra_so_far from file_multiline),
    located as (
      select errors.line as duckdb_line, errors.line + coalesce(extra_steps.extra_so_far, 0) as source_line,
             errors.error_type, errors.column_name, trim(errors.csv_line, chr(10) || chr(13)) as csv_line
      from errors asof left join extra_steps on errors.line > extra_steps.line
    )
    select
      duckdb_line,
      source_line,
      -- a line of nothing but spaces is an empty row, not a row with too few columns
      case when trim(csv_line, E' \\t') = '' then 'EMPTY ROW' else error_type end as error_type,
      case when trim(csv_line, E' \\t') = '' then null else column_name end as column_name,
      left(mask_phone_numbers(csv_line), ${RAW_LINE_CHARS}) as raw_line
    from located`);
  await db.run(`insert into file_gaps select duckdb_line from reader_rejects`);

  // the rows in file order: rowid counts from a base that is not 0 for rows not yet committed
  await db.run(`create or replace temp view file_rows_ordered as select rowid - (select coalesce(min(rowid), 0) from typed_all) as position from typed_all`);
  const accepted = await db.value<number>(`select count(*) from typed_all`);
  const readerRejected = await db.value<number>(`select count(*) from reader_rejects`);
  if (accepted + readerRejected !== records) {
    throw new FatalLoadError(
      `${file}: row accounting failed: the file holds ${records} data rows but the reader returned ${accepted} and rejected ${readerRejected}; nothing from this file was loaded`,
    );
  }

  // most files have no blank lines, rejects or multi-line records: then the line is the row's position
  const plainLines = gaps.length === 0 && blankRows.length === 0 && multilineAfter.length === 0 && readerRejected === 0;
  const positioned = `(select rowid - (select coalesce(min(rowid), 0) from typed_all) as position, * exclude (source_line, row_index) from typed_all)`;
  if (plainLines) {
    await db.run(`
      create or replace temp view typed_rows as
      select t.position + ${linesAboveData + 2} as source_line, t.position as row_index, t.* exclude (position)
      from ${positioned} as t`);
  } else {
    await db.run(`
      create or replace temp table typed_lined as
      select lines.source_line, t.position as row_index, t.* exclude (position)
      from ${positioned} as t
      join (${sqlFile('load/source_lines.sql')}) as lines on lines.row_index = t.position
      ${blankRows.length ? 'where lines.duckdb_line not in (select line from file_blank_rows)' : ''}
      order by t.position`);
    await db.run(`create or replace temp view typed_rows as select * from typed_lined`);
  }

  // 5. Reject, de-duplicate, and store (in the load's one transaction).
  const key = sqlIdent(kind.key);
  const table = sqlIdent(kind.table);
  const storedColumns = kind.columns.map((c) => sqlIdent(c.name)).join(', ');
  const hasUpdatedAt = kind.columns.some((c) => c.name === 'updated_at');
  // the raw line kept for a rejected row, rebuilt only for rejected rows, never with customer contact data
  const piiIndexes = new Set(PII_COLUMNS.flatMap((c) => [mapping.columns.get(c), ...duplicatesOf(c)]).filter((i): i is number => i !== undefined));
  const rawLine = `left(concat_ws(${sqlString(delimiter)}, ${fileColumns.map((c, i) => (piiIndexes.has(i) ? `'***'` : `coalesce(f.${c}, '')`)).join(', ')}), ${RAW_LINE_CHARS})`;
  // a reader error names the column by position: report the canonical name, or the file's header
  const columnLabel = (h: string, index: number) =>
    [...mapping.columns.entries()].find(([, i]) => i === index)?.[0] ?? mapping.duplicates.find((d) => d.index === index)?.column ?? h;
  const rowsRead = dataRecords + lineRejects.length;

  const loadable = `problem is null`;
  await insertLineRejects(db, batchId, file, lineRejects, (i) => (i < headers.length ? columnLabel(headers[i]!, i) : null));
  await db.run(`
    insert into load_rejects
    select ${batchId}, ${fileLiteral}, source_line,
           case column_name ${headers.map((h, i) => `when 'c${i + 1}' then ${sqlString(columnLabel(h, i))}`).join(' ')} end,
           coalesce(case error_type ${Object.entries(READER_ERRORS).map(([k, v]) => `when ${sqlString(k)} then ${sqlString(v)}`).join(' ')} end,
                    lower(replace(error_type, ' ', '_'))),
           null, raw_line
    from reader_rejects`);
  // A key given twice in the file: the first row is the candidate, the repeats are rejected. Found
  // by grouping (a hash aggregate), not by numbering every row: repeats are rare.
  await db.run(`
    create or replace temp table repeated_keys as
    select ${key}, min(source_line) as first_line
    from typed_rows where ${loadable}
    group by ${key} having count(*) > 1`);
  // the stored rows that share a key with a valid row of the file: one scan of the stored key
  // column, joined to the file's keys (the smaller side is hashed); whole rows only for matches
  await db.run(`
    create or replace temp table stored_match_keys as
    select distinct stored.${key} from ${table} as stored join typed_rows as t on t.${key} = stored.${key} and t.${loadable}`);
  const matches = await db.value<number>(`select count(*) from stored_match_keys`);
  await db.run(`
    create or replace temp table stored_matches as
    select stored.* from ${table} as stored
    where ${matches > 0 ? `stored.${key} in (select ${key} from stored_match_keys)` : 'false'}`);
  // a stored row wins over the candidate only when both carry updated_at and the stored one is newer
  await db.run(`
    create or replace temp table stale_keys as
    ${hasUpdatedAt
      ? `select t.${key}
    from typed_rows as t
    join stored_matches as stored on stored.${key} = t.${key}
    where t.${loadable} and stored.updated_at > t.updated_at
      and not exists (select 1 from repeated_keys as r where r.${key} = t.${key} and r.first_line <> t.source_line)`
      : `select ${key} from typed_rows where false`}`);
  // repeats and stale rows are rare: the joins that find them run only when there are any
  const repeats = await db.value<number>(`select count(*) from repeated_keys`);
  const stales = await db.value<number>(`select count(*) from stale_keys`);
  const isRepeat = repeats > 0 ? `exists (select 1 from repeated_keys as r where r.${key} = t.${key} and r.first_line <> t.source_line)` : 'false';
  const isStale = stales > 0 ? `exists (select 1 from stale_keys as s where s.${key} = t.${key})` : 'false';
  // the cells of a rejected row as read: the file is read again for them only when a row is rejected
  const problems = await db.value<number>(`select count(*) from typed_all where problem is not null`);
  if (problems + repeats + stales > 0) {
    await db.run(`create or replace temp table file_rows as select * from ${reader('skip')}`);
    await db.run(`create or replace temp view raw_rows as select rowid - (select coalesce(min(rowid), 0) from file_rows) as position, * from file_rows`);
  } else {
    await db.run(`create or replace temp view raw_rows as select null::bigint as position, ${fileColumns.map((c) => `null::varchar as ${c}`).join(', ')} where false`);
  }
  await db.run(`
    insert into load_rejects
    select ${batchId}, ${fileLiteral}, rejected.source_line, rejected.column_name, rejected.reason, rejected.value, ${rawLine}
    from (
      select row_index, source_line, problem.column as column_name, problem.reason, problem.value
      from typed_rows where problem is not null
      ${repeats > 0 ? `union all
      select row_index, source_line, ${sqlString(kind.key)}, 'duplicate_key', ${key}
      from typed_rows as t where t.${loadable} and ${isRepeat}` : ''}
      ${stales > 0 ? `union all
      select row_index, source_line, 'updated_at', 'stale_version', strftime(updated_at, '%Y-%m-%d %H:%M:%S')
      from typed_rows as t where t.${loadable} and ${isStale} and not ${isRepeat}` : ''}
    ) as rejected
    join raw_rows as f on f.position = rejected.row_index`);
  // the rows to store: valid, the first of their key in the file, not older than the stored row
  await db.run(`
    create or replace temp view incoming_rows as
    select * from typed_rows as t
    where t.${loadable} and not ${isRepeat} and not ${isStale}`);
  // the stored rows these replace; usually none
  await db.run(`create or replace temp table replaced_rows as select * from stored_matches where ${key} in (select ${key} from incoming_rows)`);
  const replaced = await db.value<number>(`select count(*) from replaced_rows`);
  const months = STALE_MONTHS[kind.kind] ?? 'all';
  if (months === 'all') {
    await db.run(`insert into stale_months select '*' where not exists (select 1 from stale_months where month = '*')`);
  } else {
    // the months these rows leave out of date: those of the rows they replace, and their own
    // (months found first, formatted once each)
    const columns = months.map((m, i) => `${m('r')} as m${i}`).join(', ');
    const from = `select distinct ${columns} from incoming_rows as r` + (replaced > 0 ? ` union select distinct ${columns} from replaced_rows as r` : '');
    await db.run(`
      insert into stale_months
      select distinct month_of(m) as month
      from (select unnest([${months.map((_, i) => `m${i}`).join(', ')}]) as m from (${from}))
      where m is not null and month_of(m) not in (select month from stale_months)`);
  }
  if (replaced > 0) await db.run(`delete from ${table} where ${key} in (select ${key} from replaced_rows)`);
  const rowsLoaded = await db.changed(`
    insert into ${table} (${storedColumns}, batch_id, source_line)
    select ${storedColumns}, ${batchId}, source_line from incoming_rows`);

  const rowsRejected = await db.value<number>(`select count(*) from load_rejects where batch_id = ${batchId}`);
  if (rowsLoaded + rowsRejected !== rowsRead) {
    throw new FatalLoadError(`${file}: row accounting failed: read ${rowsRead}, loaded ${rowsLoaded}, rejected ${rowsRejected}`);
  }
  await db.run(batchRow(rowsRead, rowsLoaded, rowsRejected));
  for (const h of extraColumns) {
    await db.run(`insert into load_extra_columns values (${batchId}, ${fileLiteral}, ${sqlString(h)})`);
  }
  return { file, status: 'loaded' as const, kind: kind.kind, batchId, encoding, rowsRead, rowsLoaded, rowsRejected, extraColumns };
}

/**
 * The months a record counts in (contract of stale_months in schema.sql), as a SQL list over the
 * row alias r; technicians and outlets count in every month.
 */
// the month of each timestamp that places the record, truncated (month_of formats it once per month)
const ticketMonth = (r: string) => `(select date_trunc('month', tickets.completed_at) from tickets where tickets.ticket_id = ${r}.ticket_id)`;
const STALE_MONTHS: Record<string, ((r: string) => string)[] | 'all'> = {
  tickets: [(r) => `date_trunc('month', ${r}.created_at)`, (r) => `date_trunc('month', ${r}.completed_at)`],
  revisits: [(r) => `date_trunc('month', ${r}.revisit_at)`, ticketMonth],
  complaints: [(r) => `date_trunc('month', ${r}.received_at)`, ticketMonth],
  violations: [(r) => `date_trunc('month', ${r}.occurred_at)`],
  technicians: 'all',
  outlets: 'all',
};

/**
 * Brings the bytes to a UTF-8 CSV that DuckDB reads without stumbling, each step a streaming copy
 * taken only when needed: workbook to CSV; UTF-16 or GB18030 to UTF-8; mixed line breaks to LF;
 * a quote that is never closed cut off with the rest of its line (that line is rejected, the
 * lines after it are read). The pre-pass runs again on each copy, so its counts are those of the
 * bytes DuckDB reads; no step adds or removes a line, so line numbers stay the original file's.
 */
async function prepare(path: string, file: string, original: FileScan, kind: KindDef, workDir: string): Promise<Prepared> {
  let step = 0;
  const next = () => join(workDir, `step-${++step}.csv`);
  let csvPath = path;
  let scan = original;
  let encoding = original.bom ? 'utf-8-bom' : 'utf-8';
  const rescan = async (delimiter?: string) => {
    scan = await scanFile(csvPath, delimiter === undefined ? {} : { delimiter });
  };

  // what the bytes are decides, not the name: a workbook saved as .csv is read as a workbook
  const zip = original.magic.subarray(0, 4).equals(ZIP_MAGIC);
  if (original.magic.equals(OLE_MAGIC)) {
    throw new FatalLoadError(`${file}: an Excel 97-2003 (.xls) or password-protected workbook, which cannot be read; save it as .xlsx or .csv`);
  }
  if (zip || extname(path).toLowerCase() === '.xlsx') {
    const target = next();
    try {
      await xlsxToCsv(path, target, kind.prefixes, (cells) => mapHeader(kind, cells).columns.has(kind.key));
    } catch (e) {
      throw new FatalLoadError(`${file}: not a readable .xlsx workbook: ${e instanceof XlsxError ? e.message : (e as Error).message}`);
    }
    csvPath = target;
    await rescan();
    encoding = 'xlsx';
  } else if (original.utf16 || !original.utf8) {
    const from = original.utf16 ?? 'gb18030';
    if (!original.utf16 && (await looksLikeBrokenUtf8(path))) {
      // read as GB18030 it would load as mojibake
      throw new FatalLoadError(`${file}: neither UTF-8 nor GB18030: the file is UTF-8 but the bytes at byte offset ${original.invalidUtf8At} are broken; repair or export the file again`);
    }
    const target = next();
    try {
      await transcodeToUtf8(path, target, file, from);
    } catch (e) {
      throw new FatalLoadError((e as Error).message);
    }
    csvPath = target;
    await rescan();
    encoding = from;
  }

  // mixed kinds of line break stop DuckDB's reader; CR alone it reads, but not with a quoted LF
  // in the header, so CR-only files are brought to LF too
  const needsLf = () => {
    const { crlf, lf, cr } = scan.newlines;
    return cr > 0 || (crlf > 0 && lf > 0);
  };
  const toLf = async () => {
    const target = next();
    await normaliseLineBreaks(csvPath, target);
    csvPath = target;
    await rescan(scan.delimiter);
  };

  // the delimiter is the header's (the lines above it may be a title with another one, or none);
  // quotes, and so the line breaks between records, are read with it
  const { header, delimiter } = findHeader(scan, kind);
  if (header && delimiter !== scan.delimiter) await rescan(delimiter);
  // before any line is cut out, so that no cut can join a CR and an LF into one line break
  if (needsLf()) await toLf();

  const cut: LineReject[] = [];
  while (scan.unterminated) {
    if (cut.length >= MAX_QUOTE_REPAIRS) {
      throw new FatalLoadError(`${file}: more than ${MAX_QUOTE_REPAIRS} quotes are never closed; this is not a CSV export the loader can read`);
    }
    const { line, start, firstLineEnd } = scan.unterminated;
    const [raw] = await readTexts(csvPath, [[start, Math.min(firstLineEnd, start + RAW_LINE_CHARS * 4)]]);
    cut.push({ line, reason: 'unterminated_quote', raw: raw! });
    const target = next();
    await copyWithout(csvPath, target, start, firstLineEnd);
    csvPath = target;
    await rescan(scan.delimiter);
    // line breaks that were inside the open quote are now between records: one kind again
    if (needsLf()) await toLf();
  }

  // records with text after a closing quote ("x"y): rejected here, as DuckDB's reader would,
  // because it does not always do so cleanly (it may return a row for one as well)
  const headerNow = findHeader(scan, kind).header;
  const bad = scan.badQuotes.filter((b) => headerNow !== undefined && b.unit > headerNow.unit);
  if (bad.length > 0) {
    const texts = await readTexts(csvPath, bad.map((b) => [b.start, Math.min(b.end, b.start + RAW_LINE_CHARS * 4)]));
    bad.forEach((b, i) => cut.push({ line: b.line, reason: 'bad_quoting', raw: texts[i]!, field: fieldAfterClosingQuote(texts[i]!, scan.delimiter) }));
    const target = next();
    await blankRanges(csvPath, target, bad.map((b) => [b.start, b.end]));
    csvPath = target;
    await rescan(scan.delimiter);
  }
  if (needsLf()) await toLf();
  return { csvPath, scan, encoding, cut };
}

/**
 * The header among the first records: the first that names the key column, else the first that
 * is not blank; each record split with the delimiter it uses most.
 */
function findHeader(scan: FileScan, kind: KindDef): { header?: HeadRecord; fields: string[]; delimiter: string; byKey: boolean } {
  const candidates = scan.head.filter((r) => !r.whitespace);
  const split = (r: HeadRecord) => {
    const delimiter = detectDelimiter(r.bytes.toString('utf8'));
    return { delimiter, fields: splitRecord(r, delimiter) };
  };
  for (const r of candidates) {
    const { fields, delimiter } = split(r);
    if (mapHeader(kind, fields).columns.has(kind.key)) return { header: r, fields, delimiter, byKey: true };
  }
  const first = candidates[0];
  return first ? { header: first, ...split(first), byKey: false } : { fields: [], delimiter: scan.delimiter, byKey: false };
}

/**
 * The position of the field in which text follows a closing quote, read as DuckDB's reader reads
 * a record (a quote opens a field only at its start, after at most one space). Runs only on the
 * few records that have such a quote.
 */
function fieldAfterClosingQuote(record: string, delimiter: string): number | undefined {
  let field = 0;
  let state: 'start' | 'space' | 'text' | 'quoted' | 'closed' = 'start';
  for (const ch of record) {
    switch (state) {
      case 'start':
      case 'space':
        if (ch === '"') state = 'quoted';
        else if (ch === delimiter) field += 1;
        else if (ch === '\n' || ch === '\r') state = 'start';
        else state = ch === ' ' && state === 'start' ? 'space' : 'text';
        break;
      case 'text':
        if (ch === delimiter) {
          field += 1;
          state = 'start';
        }
        break;
      case 'quoted':
        if (ch === '"') state = 'closed';
        break;
      case 'closed':
        if (ch === '"') state = 'quoted';
        else if (ch === delimiter) {
          field += 1;
          state = 'start';
        } else if (ch !== ' ' && ch !== '\n' && ch !== '\r') return field;
        break;
    }
  }
  return undefined;
}

function splitRecord(r: HeadRecord, delimiter: string): string[] {
  const text = r.bytes.toString('utf8');
  try {
    return (parseCsv(text, { delimiter, relax_quotes: true, relax_column_count: true }) as string[][])[0] ?? [''];
  } catch {
    return text.split(delimiter);
  }
}

/** Rejected lines the loader found itself (a quote never closed, lines above the header). */
async function insertLineRejects(db: Db, batchId: number, file: string, rejects: LineReject[], columnOf: (field: number) => string | null): Promise<void> {
  if (rejects.length === 0) return;
  // through an appender: a damaged file may have many such lines
  await db.run(`create or replace temp table line_rejects (line bigint, column_name varchar, reason varchar, raw varchar)`);
  const appender = await db.connection.createAppender('line_rejects', 'main', 'temp');
  try {
    for (const r of rejects) {
      appender.appendBigInt(BigInt(r.line));
      const column = r.field === undefined ? null : columnOf(r.field);
      if (column === null) appender.appendNull();
      else appender.appendVarchar(column);
      appender.appendVarchar(r.reason);
      appender.appendVarchar(r.raw);
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
  await db.run(`
    insert into load_rejects
    select ${batchId}, ${sqlString(file)}, line, column_name, reason, null, mask_phone_numbers(raw) from line_rejects`);
}

/** The text of byte ranges of a file (lines taken out, for their rejects), read through one handle. */
async function readTexts(path: string, ranges: [number, number][]): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const texts: string[] = [];
    for (const [from, to] of ranges) {
      const buffer = Buffer.alloc(Math.max(0, to - from));
      const { bytesRead } = buffer.length ? await handle.read(buffer, 0, buffer.length, from) : { bytesRead: 0 };
      texts.push(buffer.subarray(0, bytesRead).toString('utf8').replace(/\r$/, '').slice(0, RAW_LINE_CHARS));
    }
    return texts;
  } finally {
    await handle.close();
  }
}

/** Small lists of numbers (blank lines, multi-line records) into a temp table, in batches. */
async function insertNumbers(db: Db, table: string, rows: number[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const values = rows.slice(i, i + 1000).map((r) => `(${r.map((n) => String(Math.trunc(n))).join(', ')})`).join(', ');
    await db.run(`insert into ${table} values ${values}`);
  }
}

