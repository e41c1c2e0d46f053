// Loads export files into the stored tables. The bulk path is DuckDB's own CSV reader, every
// column as text, straight into the typing query of the kind (queries/load/typed_<kind>.sql), all
// set-based; files of a kind with the same header are read together by one read_csv.
// Before it, a streaming pre-pass (prepass.ts) counts the records on its own and finds what the
// reader would stumble over; the few such lines are dealt with first (see prepare below).
// Every row read ends up loaded or in load_rejects with its line and reason, and the two counts
// must agree, or nothing of the run is loaded (all files load in one transaction).
// Nothing read from a file (a cell, a header, the file's name) is ever SQL text: such values go
// in as statement parameters, through an appender, or from table to SQL variable.
import { copyFileSync, createReadStream, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { listValue } from '@duckdb/node-api';
import { parse as parseCsv } from 'csv-parse/sync';
import { Db, sqlFile, sqlIdent, sqlString } from '../db.ts';
import { blankRanges, copyWithout, looksLikeBrokenUtf8, normaliseLineBreaks, transcodeToUtf8 } from './bytes/encoding.ts';
import { KINDS, acceptedHeaders, headerSpellings, kindOfFile, mapHeader, type HeaderMapping, type KindDef } from './kinds.ts';
import { detectDelimiter, scanFile, type FileScan, type HeadRecord } from './bytes/prepass.ts';
import { modelsBuiltBefore } from '../transform.ts';
import type { Progress } from '../progress.ts';
import { XlsxError, xlsxToCsv } from './bytes/xlsx.ts';

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

/** The columns of a kind that can hold a customer's phone number, name or free text (kinds.ts). */
const sensitiveColumns = (kind: KindDef) => kind.columns.filter((c) => c.sensitive).map((c) => c.name);

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
 * one per file). Consecutive files of a kind with the same header that read cleanly are read
 * together, by one read_csv over all of them (see loadTogether); the others one by one. The
 * pre-passes of the files ahead run while DuckDB works.
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
  // the pre-passes of the files that may be read with this one (and of the one after them)
  const scanAhead = (from: number) => {
    let bytes = 0;
    for (let i = from; i < entries.length && bytes <= TOGETHER_BYTES; i++) {
      if (!entries[i]!.kind) continue;
      void scanOf(entries[i]!.path);
      bytes += sizes[i]!;
    }
  };
  const loadedLine = (o: Extract<FileOutcome, { status: 'loaded' }>) =>
    `loaded ${o.file} (${o.kind}, ${o.encoding}): read ${o.rowsRead}, loaded ${o.rowsLoaded}, rejected ${o.rowsRejected}` +
    (o.extraColumns.length ? `; extra columns kept out: ${o.extraColumns.join(', ')}` : '');
  const report = (outcome: FileOutcome) => {
    outcomes.push(outcome);
    const line = outcome.status === 'loaded' ? loadedLine(outcome) : outcome.status === 'already_loaded' ? `unchanged ${outcome.file}: the same content was loaded before (batch ${outcome.batchId})` : undefined;
    if (!line) return;
    if (progress) progress.fileDone(line, outcome.status === 'loaded' ? outcome.rowsRead : 0);
    else log(line);
  };

  // files planned and waiting to be read together
  let waiting: FilePlan[] = [];
  let staleMonths: StaleMonthsMarking = 'by_row';
  const loadWaiting = async () => {
    const plans = waiting;
    waiting = [];
    if (plans.length === 0) return;
    try {
      if (plans.length === 1) {
        progress?.fileStarted(plans[0]!.file, plans[0]!.bytes);
        report(await loadPlanned(db, plans[0]!, staleMonths));
        return;
      }
      const bytes = plans.reduce((n, p) => n + p.bytes, 0);
      progress?.fileStarted(`${plans.length} ${plans[0]!.kind.kind} files`, bytes);
      const loaded = await loadTogether(db, plans, staleMonths);
      if (progress) progress.filesDone(loaded.map((o, i) => ({ line: loadedLine(o), rows: o.rowsRead, bytes: plans[i]!.bytes })));
      else loaded.forEach((o) => log(loadedLine(o)));
      outcomes.push(...loaded);
    } finally {
      for (const plan of plans) rmSync(plan.workDir, { recursive: true, force: true });
    }
  };

  try {
    await db.transaction(async () => {
      await db.run(`create or replace temp table touched_tickets (ticket_id varchar)`);
      staleMonths = await staleMonthsMarking(db);
      for (const [index, entry] of entries.entries()) {
        if (!entry.kind) {
          await loadWaiting();
          await db.run(`insert into load_skipped_files values ($1, $2, null, localtimestamp)`, [entry.name, entry.skip ?? 'unknown']);
          log(`skipped ${entry.name}: ${entry.skip}`);
          outcomes.push({ file: entry.name, status: 'skipped', reason: entry.skip ?? 'unknown' });
          continue;
        }
        const kind = entry.kind;
        scanAhead(index + 1);
        let original: FileScan;
        try {
          original = await scanOf(entry.path);
        } catch (e) {
          throw new FatalLoadError(`${entry.name}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        } finally {
          scans.delete(entry.path);
        }
        // a file with the same content as one waiting: that one is loaded first, and this one is unchanged
        if (waiting.some((p) => p.kind === kind && p.original.sha256 === original.sha256)) await loadWaiting();
        const previous = await db.value<number | undefined>(
          `select batch_id from load_batches where content_hash = $1 and kind = $2 order by batch_id limit 1`,
          [original.sha256, kind.kind],
        );
        if (previous !== undefined) {
          // reported in file order: the files waiting before it are loaded first
          await loadWaiting();
          progress?.fileStarted(entry.name, sizes[index]!);
          report({ file: entry.name, status: 'already_loaded', kind: kind.kind, batchId: previous });
          continue;
        }
        progress?.fileStarted(entry.name, sizes[index]!);
        const fileWork = mkdtempSync(join(work, 'file-'));
        let plan: FilePlan;
        try {
          plan = await planFile(entry.name, kind, original, await prepare(entry.path, entry.name, original, kind, fileWork), fileWork, sizes[index]!);
        } catch (e) {
          rmSync(fileWork, { recursive: true, force: true });
          throw e;
        }
        const joins =
          plan.together !== undefined &&
          waiting.length > 0 &&
          waiting[0]!.together === plan.together &&
          waiting.reduce((n, p) => n + p.bytes, plan.bytes) <= TOGETHER_BYTES;
        if (!joins) await loadWaiting();
        waiting.push(plan);
        if (plan.together === undefined) await loadWaiting();
      }
      await loadWaiting();
      if (staleMonths === 'by_row') await touchedTicketMonths(db);
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return outcomes;
}

/**
 * How the load marks the months it leaves out of date (stale_months): by the months of each row
 * it stores or replaces, or, when the next model build rebuilds every month anyway (there has been
 * no build yet, or a run already marked '*'), by '*' once: working out the months of ten million
 * rows, and their tickets' months, would then be time spent for nothing.
 */
type StaleMonthsMarking = 'by_row' | 'every_month';

async function staleMonthsMarking(db: Db): Promise<StaleMonthsMarking> {
  const everyMonth = await db.value<number>(`select count(*) from stale_months where month = '*'`);
  if (everyMonth === 0 && (await modelsBuiltBefore(db))) return 'by_row';
  await markEveryMonthStale(db);
  return 'every_month';
}

async function markEveryMonthStale(db: Db): Promise<void> {
  await db.run(`insert into stale_months select '*' where not exists (select 1 from stale_months where month = '*')`);
}

/** A revisit or complaint also leaves its ticket's completion month out of date (stale_months). */
async function touchedTicketMonths(db: Db): Promise<void> {
  await db.run(`
    insert into stale_months
    select distinct month_of(completed_month) as month
    from (
      select distinct date_trunc('month', tickets.completed_at) as completed_month
      from tickets where tickets.ticket_id in (select ticket_id from touched_tickets)
    )
    where completed_month is not null and month_of(completed_month) not in (select month from stale_months)`);
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

/** What the loader knows of a file before DuckDB reads it: its header, where its records are. */
interface FilePlan {
  file: string;
  kind: KindDef;
  original: FileScan;
  encoding: string;
  bytes: number;
  /** a folder of copies made for this file, removed once it is loaded */
  workDir: string;
  /** the first record that names the key column (or the first that is not blank); none when the file is blank */
  header?: HeadRecord;
  headers: string[];
  mapping: HeaderMapping;
  delimiter: string;
  /** the file as prepared (UTF-8, one kind of line break): its lines are the original's */
  csvPath: string;
  /** what DuckDB reads: the file, or a copy from the header on */
  readPath: string;
  /** lines rejected before DuckDB reads the file (cut out, or above the header) */
  lineRejects: LineReject[];
  /** records cut out before DuckDB reads the file */
  cut: LineReject[];
  extraColumns: string[];
  /** physical lines above the first data line, less one */
  linesAboveData: number;
  /** DuckDB line numbers of blank lines (files of several columns) */
  gaps: number[];
  /** DuckDB line numbers of blank lines read as empty rows (one-column files) */
  blankRows: number[];
  /** DuckDB line of each record after the header that spans several physical lines, and how many extra */
  multilineAfter: number[][];
  dataRecords: number;
  /** the rows DuckDB should return or reject */
  records: number;
  /** the text normalisation the file needs */
  norm: string;
  /** the file holds control characters: its cells are checked for them */
  controls: boolean;
  readerLimits: string;
  /**
   * Set when the file can be read together with others: one record per line from the header on,
   * nothing cut out. Files with the same value read with the same SQL.
   */
  together?: string;
}

// files read together by one read_csv, up to this many bytes in all (their typed rows are held
// in memory until stored); a file above it is read alone, and then in parallel all the same
const TOGETHER_BYTES = 200 * 1024 * 1024;
// lines the reader rejects in a file read together, above which it is read alone again
const MAX_GAPS_TOGETHER = 100;
// rejected rows whose raw lines are read from the files by line number; above it, DuckDB reads
// the files with rejected rows again
const MAX_RAW_LINES_READ = 10_000;

async function planFile(file: string, kind: KindDef, original: FileScan, prepared: Prepared, workDir: string, bytes: number): Promise<FilePlan> {
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
  const extraColumns = [...mapping.extra.filter((h) => h.trim() !== ''), ...mapping.repeated];

  // lines above the header that hold something (a title, notes) are not records: rejected as such
  const preamble: LineReject[] = header
    ? scan.head
        .filter((r) => r.unit < header.unit && !r.whitespace)
        .map((r) => ({ line: r.line, reason: 'before_header', raw: r.bytes.toString('utf8').slice(0, RAW_LINE_CHARS) }))
    : [];
  const lineRejects = [...cut, ...preamble].sort((a, b) => a.line - b.line);
  const base = { file, kind, original, encoding, bytes, workDir, csvPath, headers, mapping, delimiter, lineRejects, cut, extraColumns, controls: scan.controlCharacters };
  if (!header) {
    return { ...base, readPath: csvPath, linesAboveData: 0, gaps: [], blankRows: [], multilineAfter: [], dataRecords: 0, records: 0, norm: 'norm_text', readerLimits: '' };
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
  const linesAboveData = header.line - 1 + headerExtra;
  const blankAfter = scan.blankUnits.filter((u) => u > header.unit).map(relative);
  const multilineAfter = scan.multiline.filter((m) => m.unit > header.unit).map((m) => [relative(m.unit), m.extra]);
  // DuckDB reads a blank line of a one-column file as an empty row: it is read, then left out
  const blankRows = headers.length === 1 ? blankAfter : [];
  const gaps = headers.length === 1 ? [] : blankAfter;
  const dataRecords = scan.records - scan.head.filter((r) => r.unit <= header.unit).length;
  const records = dataRecords + blankRows.length;
  // the cheapest normalisation the file needs: most exports hold no tabs, full-width forms or
  // quoted line breaks in their values, and then trimming spaces is enough
  const norm = scan.wideForms ? 'norm_text_wide' : scan.otherBlanks || scan.multiline.length > 0 ? 'norm_text' : 'norm_text_plain';
  // DuckDB's buffer is 16 times the longest line it accepts, and a file within one buffer is read
  // by one thread: when every record is short, a smaller limit (that no record reaches) lets the
  // reader split the file between threads
  const readerLimits = scan.longestRecord < SHORT_RECORDS_BYTES / 2
    ? `max_line_size = ${SHORT_RECORDS_BYTES}, buffer_size = ${SHORT_RECORDS_BYTES * 2}`
    : `max_line_size = ${MAX_LINE_BYTES}`;
  const plain = cut.length === 0 && gaps.length === 0 && blankRows.length === 0 && multilineAfter.length === 0;
  const together = plain ? JSON.stringify([kind.kind, delimiter, headers, norm, readerLimits, base.controls]) : undefined;
  return { ...base, header, readPath, linesAboveData, gaps, blankRows, multilineAfter, dataRecords, records, norm, readerLimits, together };
}

/** DuckDB's CSV reader over the files of a plan (all with its header), every column as text. */
function readerOf(plan: FilePlan, paths: string[], rejects: 'store' | 'skip', fileNames: boolean): string {
  const columnSpec = `{${plan.headers.map((_, i) => `'c${i + 1}': 'VARCHAR'`).join(', ')}}`;
  const files = paths.length === 1 ? sqlString(paths[0]!) : `[${paths.map(sqlString).join(', ')}]`;
  return `read_csv(${files},
        header = true, auto_detect = false, delim = ${sqlString(plan.delimiter)}, quote = '"', escape = '"',
        columns = ${columnSpec}, strict_mode = true, ${plan.readerLimits},${fileNames ? ' filename = true,' : ''}
        ${rejects === 'store' ? `store_rejects = true, rejects_table = 'reader_errors', rejects_scan = 'reader_scans'` : 'ignore_errors = true'})`;
}

/** Which of the files read together a row comes from, by the file name DuckDB gives it. */
function fileIndexOf(plans: FilePlan[], fileName: string): string {
  return `case ${fileName} ${plans.map((p, i) => `when ${sqlString(p.readPath)} then ${i}`).join(' ')} end`;
}

/** The column a file column stands for: the canonical name, or the file's own header. */
function columnLabel(plan: FilePlan, index: number): string {
  return [...plan.mapping.columns.entries()].find(([, i]) => i === index)?.[0] ?? plan.mapping.duplicates.find((d) => d.index === index)?.column ?? plan.headers[index]!;
}

/**
 * The lines DuckDB's reader rejected (its rejects table), one row each with the first error of the
 * line (an error about the whole line has no column) and the raw line, masked; with the index of
 * the file among those read together when fileIndex (SQL over the scans table) is given.
 */
function readerErrors(fileIndex?: string): string {
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
const READER_REJECT_COLUMN = `getvariable('load_column_labels')[try_cast(substr(column_name, 2) as integer)]`;

/** The labels of the file columns c1, c2 … of a plan (columnLabel), as the variable load_column_labels. */
async function setColumnLabels(db: Db, plan: FilePlan): Promise<void> {
  await db.run(`set variable load_column_labels = $1::varchar[]`, [listValue(plan.headers.map((_, i) => columnLabel(plan, i)))]);
}

/** A reader reject's reason, from the reader's error type (SQL over error_type). */
const READER_REJECT_REASON = `coalesce(case error_type ${Object.entries(READER_ERRORS).map(([k, v]) => `when ${sqlString(k)} then ${sqlString(v)}`).join(' ')} end, lower(replace(error_type, ' ', '_')))`;

/**
 * The typing query's input (a view, read once, by the typing query): normalised text by file
 * column, canonical column names, and a note for rows that are not records or hold a control
 * character. Nothing of the file is SQL text here but the positions of its columns.
 */
function inputTextView(plan: FilePlan, reader: string, fileIndex: string): string {
  const { kind, mapping, headers, norm } = plan;
  const sensitive = sensitiveColumns(kind);
  const fileColumns = headers.map((_, i) => `c${i + 1}`);
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
  // (the file's own spelling of the key header is one of these: that is how its column was found)
  const spellings = [...new Set(headerSpellings(kind))].map(sqlString).join(', ');
  // the two values of a column given twice, as the reject shows them (a sensitive column's are masked later)
  const conflicts = [...mapping.columns.entries()].flatMap(([column, i]) =>
    duplicatesOf(column).map((j) => {
      const shown = sensitive.includes(column) ? `'***'` : `${cell(i)} || ' | ' || ${cell(j)}`;
      return `case when ${cell(i)} <> ${cell(j)} then ${note('conflicting_values', sqlString(column), shown)} end`;
    }),
  );
  const mappedIndexes = [...mapping.columns.values(), ...mapping.duplicates.map((d) => d.index)];
  // a control character in a column that is read (the extra columns are never stored): the first
  // such cell; one test of the whole row first, the cells only for the rows it finds
  const labelOf = (i: number) => sqlString(mapping.duplicates.find((d) => d.index === i)?.column ?? [...mapping.columns.entries()].find(([, k]) => k === i)![0]);
  const controls = plan.controls
    ? [`case when has_control_character(concat(${mappedIndexes.map(cell).join(', ')})) then coalesce(${[...mappedIndexes]
        .sort((a, b) => a - b)
        .map((i) => `case when has_control_character(${cell(i)}) then ${note('control_character', labelOf(i), `control_characters_shown(${cell(i)})`)} end`)
        .join(', ')}) end`]
    : [];
  const notes = [
    ...controls,
    // the header again (exports put one after the other), in any spelling of the kind's columns
    `case when norm_header_quick(${cell(keyIndex)}) in (${spellings}) then ${note('repeated_header')} end`,
    // 合计/总计 rows: the label in the key column, in a first column that is not data (序号), or in
    // any column when the key is blank
    `case when ${mappedIndexes.includes(0) ? '' : 'is_summary_label(c1) or '}is_summary_label(${cell(keyIndex)})` +
      (headers.length > 1 ? ` or (${cell(keyIndex)} is null and row_has_summary_label(concat_ws(chr(31), ${fileColumns.join(', ')})))` : '') +
      ` then ${note('summary_row')} end`,
    `case when ${mappedIndexes.map((i) => `${cell(i)} is null`).join(' and ')} then ${note('empty_row')} end`,
    ...conflicts,
  ];
  return `
    create or replace temp view input_text as
    with cells as (
      select
        ${fileIndex} as file_index,
        ${fileColumns.map((c, i) => (mappedIndexes.includes(i) ? `${norm}(f.${c}) as ${c}` : `f.${c}`)).join(',\n        ')}
      from ${reader} as f
    ),
    noted as (
      select *, coalesce(${notes.join(',\n        ')}) as note
      from cells
    )
    select
      file_index,
      note.reason as row_note,
      note.column as row_note_column,
      note.value as row_note_value,
      ${canonical}
    from noted`;
}

/** One file read alone: any file, including those with blank lines, multi-line records or lines cut out. */
async function loadPlanned(db: Db, plan: FilePlan, staleMonths: StaleMonthsMarking): Promise<Extract<FileOutcome, { status: 'loaded' }>> {
  const { file, kind, header, headers, lineRejects, linesAboveData, gaps, blankRows, multilineAfter, records } = plan;
  const batchId = await db.value<number>(`select nextval('load_batch_seq')`);

  if (!header) {
    // nothing but blank lines: nothing to read, but the file is recorded so the data-quality view shows it
    await insertLineRejects(db, batchId, file, lineRejects, () => null);
    const rejected = lineRejects.length;
    await insertBatch(db, plan, batchId, rejected, 0, rejected);
    return { file, status: 'loaded' as const, kind: kind.kind, batchId, encoding: plan.encoding, rowsRead: rejected, rowsLoaded: 0, rowsRejected: rejected, extraColumns: plan.extraColumns };
  }

  // 1. DuckDB's reader, every column as text; rows it cannot split go to its rejects table. The
  //    typing query reads straight from it, so the text is not stored first: one pass, in parallel.
  await db.run(`drop table if exists temp.reader_errors; drop table if exists temp.reader_scans;`);
  await db.run(inputTextView(plan, readerOf(plan, [plan.readPath], 'store', false), '0'));
  // 2. Typed rows, in the reader's order: rowid is the position among the rows it accepted
  try {
    await db.run(`create or replace temp table typed_all as ${sqlFile(`load/typed_${kind.kind}.sql`)}`);
  } catch (e) {
    throw new FatalLoadError(`${file}: the CSV reader stopped: ${(e as Error).message.split('\n')[0]}; nothing from this file was loaded`);
  }

  // 3. Line numbers: blank lines and reader rejects are the gaps between accepted rows.
  await db.run(`create or replace temp table file_multiline (line bigint, extra bigint)`);
  await db.run(`create or replace temp table file_gaps (line bigint)`);
  await db.run(`create or replace temp table file_blank_rows (line bigint)`);
  await insertNumbers(db, 'file_gaps', gaps.map((l) => [l]));
  await insertNumbers(db, 'file_blank_rows', blankRows.map((l) => [l]));
  await insertNumbers(db, 'file_multiline', [...(linesAboveData > 0 ? [[1, linesAboveData]] : []), ...multilineAfter]);
  await db.run(`
    create or replace temp table reader_rejects as
    with errors as (${readerErrors()}),
    extra_steps as (select line, sum(extra) over (order by line) as extra_so_far from file_multiline)
    select errors.line as duckdb_line, errors.line + coalesce(extra_steps.extra_so_far, 0) as source_line,
           errors.error_type, errors.column_name, errors.raw_line
    from errors asof left join extra_steps on errors.line > extra_steps.line`);
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
  const positioned = `(select rowid - (select coalesce(min(rowid), 0) from typed_all) as position, * exclude (file_index) from typed_all)`;
  const fileColumns = `0 as file_index, ${batchId} as batch_id`;
  if (plainLines) {
    await db.run(`
      create or replace temp view typed_rows as
      select ${fileColumns}, t.position + ${linesAboveData + 2} as source_line, t.position as row_index, t.* exclude (position)
      from ${positioned} as t`);
  } else {
    await db.run(`
      create or replace temp table typed_lined as
      select ${fileColumns}, lines.source_line, t.position as row_index, t.* exclude (position)
      from ${positioned} as t
      join (${sqlFile('load/source_lines.sql')}) as lines on lines.row_index = t.position
      ${blankRows.length ? 'where lines.duckdb_line not in (select line from file_blank_rows)' : ''}
      order by t.position`);
    await db.run(`create or replace temp view typed_rows as select * from typed_lined`);
  }

  // 4. Reject, de-duplicate, and store (in the load's one transaction).
  await insertLineRejects(db, batchId, file, lineRejects, (i) => (i < headers.length ? columnLabel(plan, i) : null));
  await setColumnLabels(db, plan);
  await db.run(
    `
    insert into load_rejects
    select ${batchId}, $1, source_line, ${READER_REJECT_COLUMN}, ${READER_REJECT_REASON}, null, raw_line
    from reader_rejects`,
    [file],
  );
  const [outcome] = await storeRows(db, [{ plan, batchId, fileIndex: 0 }], plainLines ? 'lines' : () => `select 0 as file_index, * from ${readerOf(plan, [plan.readPath], 'skip', false)}`, { staleMonths });
  return outcome!;
}

/**
 * Files of a kind with the same header, each one record per line, read by one read_csv: the
 * reader and the typing query run once, on all cores, instead of once per file on a file too
 * small to split. A file the reader rejects a line of is then loaded alone again (its line
 * numbers need the gaps). A key given in several of the files is stored as if the files were
 * loaded one after the other: the files are stored in runs in which no key repeats across files.
 */
async function loadTogether(db: Db, plans: FilePlan[], staleMonths: StaleMonthsMarking): Promise<Extract<FileOutcome, { status: 'loaded' }>[]> {
  const first = plans[0]!;
  const kind = first.kind;
  const key = sqlIdent(kind.key);
  await db.run(`drop table if exists temp.reader_errors; drop table if exists temp.reader_scans;`);
  await db.run(inputTextView(first, readerOf(first, plans.map((p) => p.readPath), 'store', true), fileIndexOf(plans, 'f.filename')));
  try {
    await db.run(`create or replace temp table together_typed as ${sqlFile(`load/typed_${kind.kind}.sql`)}`);
  } catch {
    // the reader stopped on one of them: read alone, the file is named in the error
    const outcomes = [];
    for (const plan of plans) outcomes.push(await loadPlanned(db, plan, staleMonths));
    return outcomes;
  }
  // per file: the rows the reader accepted and where they start; and the lines it rejected
  await db.run(`
    create or replace temp table together_rejects as
    select file_index, line as duckdb_line,
           -- the rows accepted before it: the lines between the header and it, less the rejected ones
           line - 1 - row_number() over (partition by file_index order by line) as accepted_before,
           error_type, column_name, raw_line
    from (${readerErrors(fileIndexOf(plans, 'scans.file_path'))})`);
  const counts = await db.all(`
    with accepted as (
      select file_index, count(*) as accepted from together_typed group by file_index
    ),
    rejected as (select file_index, count(*) as rejected from together_rejects group by file_index)
    select files.i as file_index, coalesce(accepted.accepted, 0) as accepted, coalesce(rejected.rejected, 0) as rejected
    from range(${plans.length}) as files(i)
    left join accepted on accepted.file_index = files.i
    left join rejected on rejected.file_index = files.i
    order by files.i`);
  for (const [i, row] of counts.entries()) {
    const plan = plans[i]!;
    if (Number(row.accepted) + Number(row.rejected) !== plan.records) {
      throw new FatalLoadError(
        `${plan.file}: row accounting failed: the file holds ${plan.records} data rows but the reader returned ${row.accepted} and rejected ${row.rejected}; nothing from this file was loaded`,
      );
    }
  }
  // A rejected line is a gap in the line numbers of the rows after it. The gaps are few (a file
  // with many is read alone, where its lines are joined to the rows): a row's line is its
  // position, the lines above the first row, and one for each gap at or before its position.
  const gaps = await db.all(`select file_index, accepted_before from together_rejects order by file_index, accepted_before`);
  const readAlone = new Set<number>();
  const gapsOf = new Map<number, number[]>();
  for (const g of gaps) {
    const i = Number(g.file_index);
    gapsOf.set(i, [...(gapsOf.get(i) ?? []), Number(g.accepted_before)]);
  }
  for (const [i, list] of gapsOf) if (list.length > MAX_GAPS_TOGETHER) readAlone.add(i);
  const gapTerms = [...gapsOf].filter(([i]) => !readAlone.has(i)).map(([i, list]) =>
    `when ${i} then ${list.map((before) => `(position >= ${before})::bigint`).join(' + ')}`);
  await db.run(
    `
    create or replace temp table together_files as
    -- the first rowid of each file stays in SQL: rowids of rows not yet committed are above 2^53
    select files.file_index, coalesce(bases.base_rowid, 0) as base_rowid, files.line_offset, files.file
    from (values ${plans.map((p, i) => `(${i}, ${p.linesAboveData + 2}, $${i + 1}::varchar)`).join(', ')}) as files(file_index, line_offset, file)
    left join (select file_index, min(rowid) as base_rowid from together_typed group by file_index) as bases on bases.file_index = files.file_index`,
    plans.map((p) => p.file),
  );
  const lineOf = gapTerms.length ? `position + line_offset + case file_index ${gapTerms.join(' ')} else 0 end` : 'position + line_offset';

  // keys given more than once among the files (usually a handful): repeats within a file, and keys
  // that more than one file gives
  await db.run(`
    create or replace temp table together_repeats as
    select ${key}, min(file_index) as first_file, max(file_index) as last_file
    from together_typed where problem is null and file_index not in (${[-1, ...readAlone].join(', ')})
    group by ${key} having count(*) > 1`);
  // for each file, the last file before it that gives one of its keys: a run of files stored
  // together ends before a file that shares a key with a file of the run
  const previousFile = new Map<number, number>();
  const shared = await db.all(`
    select file_index, max(previous_file) as previous_file
    from (
      select file_index, lag(file_index) over (partition by ${key} order by file_index) as previous_file
      from (
        select distinct t.${key}, t.file_index
        from together_typed as t
        where t.problem is null and t.file_index not in (${[-1, ...readAlone].join(', ')})
          and t.${key} in (select ${key} from together_repeats where first_file <> last_file)
      )
    )
    where previous_file is not null
    group by file_index`);
  for (const row of shared) previousFile.set(Number(row.file_index), Number(row.previous_file));

  const outcomes: Extract<FileOutcome, { status: 'loaded' }>[] = [];
  let run: number[] = [];
  const storeRun = async () => {
    if (run.length === 0) return;
    const files: { plan: FilePlan; batchId: number; fileIndex: number }[] = [];
    for (const i of run) files.push({ plan: plans[i]!, batchId: await db.value<number>(`select nextval('load_batch_seq')`), fileIndex: i });
    const batchIds = (fileIndex: string) => `case ${fileIndex} ${files.map((f) => `when ${f.fileIndex} then ${f.batchId}`).join(' ')} end`;
    await db.run(`
      create or replace temp view typed_rows as
      select file_index, ${batchIds('file_index')} as batch_id, ${lineOf} as source_line, position as row_index, * exclude (file_index, position, line_offset)
      from (
        select t.rowid - files.base_rowid as position, files.line_offset, t.*
        from together_typed as t
        join together_files as files on files.file_index = t.file_index
        where t.file_index in (${run.join(', ')})
      )`);
    for (const f of files) {
      await insertLineRejects(db, f.batchId, f.plan.file, f.plan.lineRejects, (c) => (c < first.headers.length ? columnLabel(first, c) : null));
    }
    await setColumnLabels(db, first);
    await db.run(`
      insert into load_rejects
      select ${batchIds('rejects.file_index')}, files.file, rejects.duckdb_line + files.line_offset - 2,
             ${READER_REJECT_COLUMN}, ${READER_REJECT_REASON}, null, rejects.raw_line
      from together_rejects as rejects join together_files as files on files.file_index = rejects.file_index
      where rejects.file_index in (${run.join(', ')})`);
    outcomes.push(
      ...(await storeRows(db, files, 'lines', { repeats: 'together_repeats', staleMonths })),
    );
    run = [];
  };
  for (const [i, plan] of plans.entries()) {
    if (readAlone.has(i)) {
      await storeRun();
      outcomes.push(await loadPlanned(db, plan, staleMonths));
      continue;
    }
    const previous = previousFile.get(i);
    if (previous !== undefined && run.length > 0 && previous >= run[0]!) await storeRun();
    run.push(i);
  }
  await storeRun();
  return outcomes;
}

async function insertBatch(db: Db, plan: FilePlan, batchId: number, read: number, loaded: number, rejected: number): Promise<void> {
  await db.run(`insert into load_batches values (${batchId}, $1, $2, $3, $4, ${read}, ${loaded}, ${rejected}, localtimestamp)`, [
    plan.file,
    plan.original.sha256,
    plan.kind.kind,
    plan.encoding,
  ]);
}

/**
 * Rejects, de-duplicates and stores the rows of the view typed_rows (file_index, batch_id, file,
 * source_line, row_index and the typed columns; the rows of the given files, no key in two of
 * them). rawRows reads the cells of the files that have a rejected row again, for its raw line.
 * Returns each file's outcome, after checking rows read = loaded + rejected.
 */
async function storeRows(
  db: Db,
  files: { plan: FilePlan; batchId: number; fileIndex: number }[],
  rawRows: ((plans: FilePlan[]) => string) | 'lines',
  options: { repeats?: string; staleMonths: StaleMonthsMarking },
): Promise<Extract<FileOutcome, { status: 'loaded' }>[]> {
  const plan = files[0]!.plan;
  const { kind, headers, mapping, delimiter } = plan;
  const key = sqlIdent(kind.key);
  const table = sqlIdent(kind.table);
  const storedColumns = kind.columns.map((c) => sqlIdent(c.name)).join(', ');
  const hasUpdatedAt = kind.columns.some((c) => c.name === 'updated_at');
  const fileColumns = headers.map((_, i) => `c${i + 1}`);
  const duplicatesOf = (column: string) => mapping.duplicates.filter((d) => d.column === column).map((d) => d.index);
  // the raw line kept for a rejected row (in the database only) is rebuilt from its cells, the
  // customer's phone number left out, and any other phone number in it masked
  const piiIndexes = new Set(['customer_phone'].flatMap((c) => [mapping.columns.get(c), ...duplicatesOf(c)]).filter((i): i is number => i !== undefined));
  const loadable = `problem is null`;

  // A key given twice in a file: the first row is the candidate, the repeats are rejected. Found
  // by grouping (a hash aggregate), not by numbering every row: repeats are rare. Files read
  // together found the keys given more than once among all of them already (options.repeats).
  const candidates = options.repeats ? await db.value<number>(`select count(*) from ${options.repeats}`) : 1;
  await db.run(`
    create or replace temp table repeated_keys as
    select file_index, ${key}, min(row_index) as first_row
    from typed_rows where ${loadable}
      ${options.repeats ? `and ${key} in (select ${key} from ${options.repeats})` : ''}
      ${candidates === 0 ? 'and false' : ''}
    group by file_index, ${key} having count(*) > 1`);
  const repeats = candidates === 0 ? 0 : await db.value<number>(`select count(*) from repeated_keys`);
  // the stored rows that share a key with a valid row of the files: one scan of the stored key
  // column, joined to the files' keys (the smaller side is hashed); whole rows only for matches.
  // The files' key range, as constants (getvariable folds to one), lets the scan skip the stored
  // blocks outside it (exports are mostly by month, so are their keys): the join alone does not,
  // on rows stored earlier in the same transaction, and that scan grew with every file. The range
  // goes from the typed rows to the variables in SQL: a key is never SQL text.
  // (every kind's key is text; no valid row, a null range and no match)
  await db.run(`
    set variable load_key_range = (select {'low': min(${key}), 'high': max(${key})} from typed_rows where ${loadable})`);
  await db.run(`
    create or replace temp table stored_match_keys as
    select distinct stored.${key} from ${table} as stored join typed_rows as t on t.${key} = stored.${key} and t.${loadable}
    where stored.${key} between getvariable('load_key_range').low and getvariable('load_key_range').high`);
  const matches = await db.value<number>(`select count(*) from stored_match_keys`);
  await db.run(`
    create or replace temp table stored_matches as
    select stored.* from ${table} as stored
    where ${matches > 0 ? `stored.${key} in (select ${key} from stored_match_keys)` : 'false'}`);

  // The valid rows that are not stored, with their reason: repeats of a key in the file, and
  // candidates older than the stored row (a stored row wins only when both carry updated_at and
  // the stored one is newer). Few rows, found by joins to the few keys concerned.
  await db.run(`
    create or replace temp table dropped_rows as
    ${repeats > 0 ? `select t.file_index, t.row_index, ${sqlString(kind.key)} as column_name, 'duplicate_key' as reason, t.${key} as value
    from typed_rows as t join repeated_keys as r on r.file_index = t.file_index and r.${key} = t.${key}
    where t.${loadable} and t.row_index <> r.first_row
    union all
    ` : ''}${hasUpdatedAt && matches > 0 ? `select t.file_index, t.row_index, 'updated_at' as column_name, 'stale_version' as reason, strftime(t.updated_at, '%Y-%m-%d %H:%M:%S') as value
    from typed_rows as t
    join stored_matches as stored on stored.${key} = t.${key}
    left join repeated_keys as r on r.file_index = t.file_index and r.${key} = t.${key}
    where t.${loadable} and stored.updated_at > t.updated_at and t.row_index = coalesce(r.first_row, t.row_index)` : `select null::integer as file_index, null::bigint as row_index, null::varchar as column_name, null::varchar as reason, null::varchar as value where false`}`);
  const dropped = repeats > 0 || (hasUpdatedAt && matches > 0) ? await db.value<number>(`select count(*) from dropped_rows`) : 0;

  // every rejected row of the files, with its file, line, column, reason and value
  await db.run(`
    create or replace temp table rejected_rows as
    select file_index, batch_id, row_index, source_line, problem.column as column_name, problem.reason, problem.value
    from typed_rows where problem is not null
    ${dropped > 0 ? `union all
    select t.file_index, t.batch_id, t.row_index, t.source_line, d.column_name, d.reason, d.value
    from typed_rows as t join dropped_rows as d on d.file_index = t.file_index and d.row_index = t.row_index` : ''}`);
  const rejected = await db.all(`select file_index, row_index, source_line from rejected_rows order by file_index, source_line`);
  // their raw lines: read from the files by line number when each record is one line, else the
  // files with a rejected row are read again
  const rawLine = `left(concat_ws(${sqlString(delimiter)}, ${fileColumns.map((c, i) => (piiIndexes.has(i) ? `'***'` : `coalesce(f.${c}, '')`)).join(', ')}), ${RAW_LINE_CHARS})`;
  await db.run(`create or replace temp table rejected_raw (file_index integer, row_index bigint, raw_line varchar)`);
  if (rejected.length > 0) {
    const byFile = new Map<number, { row: number; line: number }[]>();
    for (const r of rejected) {
      const i = Number(r.file_index);
      byFile.set(i, [...(byFile.get(i) ?? []), { row: Number(r.row_index), line: Number(r.source_line) }]);
    }
    const withRejects = files.filter((f) => byFile.has(f.fileIndex));
    if (rawRows === 'lines' && rejected.length <= MAX_RAW_LINES_READ) {
      const appender = await db.connection.createAppender('rejected_raw', 'main', 'temp');
      try {
        for (const f of withRejects) {
          const wanted = byFile.get(f.fileIndex)!;
          const texts = await readLines(f.plan.csvPath, wanted.map((w) => w.line));
          wanted.forEach((w, k) => {
            appender.appendInteger(f.fileIndex);
            appender.appendBigInt(BigInt(w.row));
            appender.appendVarchar(rawLineOf(texts[k] ?? '', delimiter, piiIndexes));
            appender.endRow();
          });
        }
      } finally {
        appender.closeSync();
      }
    } else {
      const fileIndex = withRejects.length === 1 ? String(withRejects[0]!.fileIndex) : `case f.filename ${withRejects.map((f) => `when ${sqlString(f.plan.readPath)} then ${f.fileIndex}`).join(' ')} end`;
      const reread = rawRows === 'lines'
        ? `select ${fileIndex} as file_index, f.* from ${readerOf(plan, withRejects.map((f) => f.plan.readPath), 'skip', withRejects.length > 1)} as f`
        : rawRows(withRejects.map((f) => f.plan));
      // a row's position among the rows its file gave: rowid counts from a base that is not 0 for rows not yet committed
      await db.run(`create or replace temp table file_rows_read as ${reread}`);
      await db.run(`
        insert into rejected_raw
        select r.file_index, r.rowid - bases.base_rowid as row_index, ${rawLine.replaceAll('f.', 'r.')}
        from file_rows_read as r
        join (select file_index, min(rowid) as base_rowid from file_rows_read group by file_index) as bases on bases.file_index = r.file_index
        semi join rejected_rows as rejected on rejected.file_index = r.file_index and rejected.row_index = r.rowid - bases.base_rowid`);
    }
  }
  // the value of the rejected cell as it may be shown: a sensitive column's masked, any other's
  // with the phone numbers in it masked
  const sensitive = sensitiveColumns(kind).map(sqlString).join(', ');
  await db.run(
    `
    insert into load_rejects
    select rejected.batch_id, files.file, rejected.source_line, rejected.column_name, rejected.reason,
           shown_reject_value(rejected.value, rejected.column_name in (${sensitive || 'null'})),
           mask_phone_numbers(raw.raw_line)
    from rejected_rows as rejected
    join rejected_raw as raw on raw.file_index = rejected.file_index and raw.row_index = rejected.row_index
    join (values ${files.map((f, i) => `(${f.batchId}, $${i + 1}::varchar)`).join(', ')}) as files(batch_id, file) on files.batch_id = rejected.batch_id`,
    files.map((f) => f.plan.file),
  );

  // the rows to store: valid, the first of their key in the file, not older than the stored row
  await db.run(`
    create or replace temp view incoming_rows as
    select t.* from typed_rows as t
    ${dropped > 0 ? 'anti join dropped_rows as d on d.file_index = t.file_index and d.row_index = t.row_index' : ''}
    where t.${loadable}`);
  // the stored rows these replace; usually none
  await db.run(`create or replace temp table replaced_rows as select * from stored_matches where ${matches > 0 ? `${key} in (select ${key} from incoming_rows)` : 'false'}`);
  const replaced = matches > 0 ? await db.value<number>(`select count(*) from replaced_rows`) : 0;
  const months = STALE_MONTHS[kind.kind] ?? 'all';
  if (options.staleMonths === 'every_month') {
    // '*' is marked already (staleMonthsMarking)
  } else if (months === 'all') {
    await markEveryMonthStale(db);
  } else {
    // The months these rows leave out of date: their own, and those of the rows they replace.
    // The valid rows' months are taken (a repeat or a stale version among them only adds a month
    // that is rebuilt for nothing): one scan of the typed rows. Their tickets' months are looked
    // up once, when every file is loaded (touchedTicketMonths): one pass over the stored tickets
    // per run, not per file.
    // (a scan per timestamp column, each of one column; unnest() of a list per row cost far more)
    const from = (rows: string) => months.own.map((c) => `select distinct date_trunc('month', ${sqlIdent(c)}) from ${rows}`).join(' union ');
    if (months.ticket) {
      await db.run(`insert into touched_tickets select distinct ticket_id from typed_rows where ${loadable}${replaced > 0 ? ' union select ticket_id from replaced_rows' : ''}`);
    }
    await db.run(`
      insert into stale_months
      select distinct month_of(m) as month
      from (${from(`typed_rows where ${loadable}`)}${replaced > 0 ? `\n      union ${from('replaced_rows')}` : ''}) as months(m)
      where m is not null and month_of(m) not in (select month from stale_months)`);
  }
  if (replaced > 0) await db.run(`delete from ${table} where ${key} in (select ${key} from replaced_rows)`);
  const rowsStored = await db.changed(`
    insert into ${table} (${storedColumns}, batch_id, source_line)
    select ${storedColumns}, batch_id, source_line from incoming_rows`);

  // each file's counts, checked: rows read = rows loaded + rows rejected
  const ids = files.map((f) => f.batchId).join(', ');
  const loadedBy = new Map<number, number>();
  if (files.length === 1) loadedBy.set(files[0]!.batchId, rowsStored);
  else for (const r of await db.all(`select batch_id, count(*) as n from ${table} where batch_id in (${ids}) group by batch_id`)) loadedBy.set(Number(r.batch_id), Number(r.n));
  const rejectedBy = new Map<number, number>();
  for (const r of await db.all(`select batch_id, count(*) as n from load_rejects where batch_id in (${ids}) group by batch_id`)) rejectedBy.set(Number(r.batch_id), Number(r.n));
  const outcomes: Extract<FileOutcome, { status: 'loaded' }>[] = [];
  let loadedInAll = 0;
  for (const { plan: p, batchId } of files) {
    const rowsRead = p.dataRecords + p.lineRejects.length;
    const rowsLoaded = loadedBy.get(batchId) ?? 0;
    const rowsRejected = rejectedBy.get(batchId) ?? 0;
    loadedInAll += rowsLoaded;
    if (rowsLoaded + rowsRejected !== rowsRead) {
      throw new FatalLoadError(`${p.file}: row accounting failed: read ${rowsRead}, loaded ${rowsLoaded}, rejected ${rowsRejected}`);
    }
    await insertBatch(db, p, batchId, rowsRead, rowsLoaded, rowsRejected);
    for (const h of p.extraColumns) {
      await db.run(`insert into load_extra_columns values (${batchId}, $1, $2)`, [p.file, h]);
    }
    outcomes.push({ file: p.file, status: 'loaded' as const, kind: kind.kind, batchId, encoding: p.encoding, rowsRead, rowsLoaded, rowsRejected, extraColumns: p.extraColumns });
  }
  if (loadedInAll !== rowsStored) {
    throw new FatalLoadError(`${files.map((f) => f.plan.file).join(', ')}: row accounting failed: ${rowsStored} rows stored, ${loadedInAll} counted by file`);
  }
  return outcomes;
}

/**
 * The months a record counts in (contract of stale_months in schema.sql): those of its own
 * timestamps, and for a revisit or complaint its ticket's completion month; technicians and
 * outlets count in every month.
 */
const STALE_MONTHS: Record<string, { own: string[]; ticket?: boolean } | 'all'> = {
  tickets: { own: ['created_at', 'completed_at'] },
  revisits: { own: ['revisit_at'], ticket: true },
  complaints: { own: ['received_at'], ticket: true },
  violations: { own: ['occurred_at'] },
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
  // DuckDB reads the file under a name of the loader's own: the path it is given is SQL text, and
  // an export's name is data (it may hold a quote, or anything else)
  let csvPath = join(workDir, 'export.csv');
  try {
    symlinkSync(resolve(path), csvPath);
  } catch {
    copyFileSync(path, csvPath);
  }
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
  await db.run(`insert into load_rejects select ${batchId}, $1, line, column_name, reason, null, mask_phone_numbers(raw) from line_rejects`, [file]);
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

/**
 * The text of some lines of a file (numbered from 1), found by counting line breaks in one
 * streaming pass; each line cut to what a rejected row keeps. For the few rejected rows of a file
 * whose records are one per line.
 */
async function readLines(path: string, lines: number[]): Promise<string[]> {
  const wanted = [...new Set(lines)].sort((a, b) => a - b);
  const found = new Map<number, string>();
  const keep = RAW_LINE_CHARS * 4;
  let line = 1;
  let next = 0;
  let parts: Buffer[] = [];
  let kept = 0;
  const take = (part: Buffer) => {
    if (kept >= keep) return;
    parts.push(part.subarray(0, keep - kept));
    kept += Math.min(part.length, keep - kept);
  };
  const finish = () => {
    found.set(line, Buffer.concat(parts).toString('utf8').replace(/\r$/, ''));
    parts = [];
    kept = 0;
    next += 1;
  };
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let pos = 0;
      while (next < wanted.length) {
        const end = chunk.indexOf(10, pos);
        if (line === wanted[next]) take(chunk.subarray(pos, end === -1 ? chunk.length : end));
        if (end === -1) break;
        if (line === wanted[next]) finish();
        line += 1;
        pos = end + 1;
      }
      if (next >= wanted.length) break;
    }
  } finally {
    stream.destroy();
  }
  // the last line, without a line break after it
  if (next < wanted.length && line === wanted[next] && kept > 0) finish();
  return lines.map((l) => found.get(l) ?? '');
}

/** A rejected row's raw line: its cells as the reader splits them, customer contact data masked. */
function rawLineOf(text: string, delimiter: string, pii: Set<number>): string {
  let cells: string[];
  try {
    cells = (parseCsv(text, { delimiter, quote: '"', escape: '"', relax_quotes: true, relax_column_count: true }) as string[][])[0] ?? [];
  } catch {
    cells = text.split(delimiter);
  }
  return cells.map((c, i) => (pii.has(i) ? '***' : c)).join(delimiter).slice(0, RAW_LINE_CHARS);
}

/** Small lists of numbers (blank lines, multi-line records) into a temp table, in batches. */
async function insertNumbers(db: Db, table: string, rows: number[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const values = rows.slice(i, i + 1000).map((r) => `(${r.map((n) => String(Math.trunc(n))).join(', ')})`).join(', ');
    await db.run(`insert into ${table} values ${values}`);
  }
}

