// What the loader knows of a file before DuckDB reads it (FilePlan): its header and how its
// columns map to the kind's, the lines rejected before the read, where its records sit (blank
// lines, multi-line records), the copy DuckDB reads, and whether it can be read together with
// others. Nothing here touches the database.
import { join } from 'node:path';
import { copyWithout } from './bytes/encoding.ts';
import type { FileScan, HeadRecord } from './bytes/prepass.ts';
import type { CleanCsv } from './clean-csv.ts';
import { findHeader, splitRecord } from './header.ts';
import { acceptedHeaders, mapHeader, type HeaderMapping, type KindDef } from './kinds.ts';
import { FatalLoadError } from './outcome.ts';
import { kindOfHeader } from './recognise.ts';
import { RAW_LINE_CHARS, type LineReject } from './rejects.ts';

// a record longer than this is rejected (line_too_long), not read
const MAX_LINE_BYTES = 10_000_000;
// the reader's line limit for files whose records are all shorter than half of it
const SHORT_RECORDS_BYTES = 2_000_000;


// files read together by one read_csv, up to this many bytes in all (their typed rows are held
// in memory until stored); a file above it is read alone, and then in parallel all the same
export const TOGETHER_BYTES = 200 * 1024 * 1024;

/** What the loader knows of a file before DuckDB reads it: its header, where its records are. */
export interface FilePlan {
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

/** A file's plan: its header read and checked, the copy DuckDB reads made, its records placed. */
export async function planFile(file: string, kind: KindDef, original: FileScan, clean: CleanCsv, workDir: string, bytes: number): Promise<FilePlan> {
  const { csvPath, scan, encoding, cut } = clean;
  const { header, headers, mapping } = readHeader(file, kind, clean);
  // the records were split with the scan's delimiter: the header is read with it too
  const delimiter = scan.delimiter;
  const extraColumns = [...mapping.extra.filter((h) => h.trim() !== ''), ...mapping.repeated];
  const lineRejects = [...cut, ...preambleRejects(scan, header)].sort((a, b) => a.line - b.line);
  const base = { file, kind, original, encoding, bytes, workDir, csvPath, headers, mapping, delimiter, lineRejects, cut, extraColumns, controls: scan.controlCharacters };
  if (!header) {
    return { ...base, readPath: csvPath, linesAboveData: 0, gaps: [], blankRows: [], multilineAfter: [], dataRecords: 0, records: 0, norm: 'norm_text', readerLimits: '' };
  }
  const readPath = await copyFromHeader(clean, header, headers, workDir);
  const lines = linesFromHeader(scan, header, headers.length);
  const norm = normalisationOf(scan);
  const readerLimits = readerLimitsOf(scan);
  const plain = cut.length === 0 && lines.gaps.length === 0 && lines.blankRows.length === 0 && lines.multilineAfter.length === 0;
  const together = plain ? JSON.stringify([kind.kind, delimiter, headers, norm, readerLimits, base.controls]) : undefined;
  return { ...base, header, readPath, ...lines, norm, readerLimits, together };
}

/**
 * The header: the first record that names the key column (a title or notes may come first); its
 * cells, and how they map to the kind's columns. A header that cannot be read, or that lacks a
 * required column, stops the run.
 */
function readHeader(file: string, kind: KindDef, clean: CleanCsv): { header?: HeadRecord; headers: string[]; mapping: HeaderMapping } {
  const { scan, cut } = clean;
  const found = findHeader(scan, kind);
  const header = found.header;
  if (!found.byKey && cut.length > 0 && (header === undefined || cut[0]!.line < header.line)) {
    throw new FatalLoadError(`${file}: line ${cut[0]!.line} opens a quote that is never closed, so the header cannot be read; fix the quote and load the file again`);
  }
  const headers = header && found.delimiter !== scan.delimiter ? splitRecord(header, scan.delimiter) : found.fields;
  if (headers.some((h) => h.includes('\u0000'))) {
    throw new FatalLoadError(`${file}: the header holds NUL bytes: a UTF-16 file without a byte-order mark? Save it as UTF-8 or GBK`);
  }
  const mapping = mapHeader(kind, headers);
  const missing = kind.columns.filter((c) => c.required && !mapping.columns.has(c.name));
  if (headers.length > 0 && missing.length > 0) {
    const c = missing[0]!;
    // the name said one kind and the header is another's: the name is what to fix
    const other = kindOfHeader(headers)?.kind;
    const hint = other && other !== kind ? `; the header is one of ${other.kind}: start the file's name with ${other.prefixes[0]} or ${other.prefixes.at(-1)}` : '';
    throw new FatalLoadError(`${file}: required column ${c.name} is missing (accepted headers: ${acceptedHeaders(c)})${hint}`);
  }
  return { header, headers, mapping };
}

/** Lines above the header that hold something (a title, notes) are not records: rejected as such. */
function preambleRejects(scan: FileScan, header: HeadRecord | undefined): LineReject[] {
  if (!header) return [];
  return scan.head
    .filter((r) => r.unit < header.unit && !r.whitespace)
    .map((r) => ({ line: r.line, reason: 'before_header', raw: r.bytes.toString('utf8').slice(0, RAW_LINE_CHARS) }));
}

/**
 * What DuckDB reads: the file from the header on. Lines above it are cut off (its skip option
 * counts lines otherwise than records, so it is not used). A header with quotes in it is replaced
 * by a plain one: DuckDB's reader reads nothing at all after a header holding a quoted line break.
 */
async function copyFromHeader(clean: CleanCsv, header: HeadRecord, headers: string[], workDir: string): Promise<string> {
  const { csvPath, scan } = clean;
  if (header.bytes.includes(0x22)) {
    const readPath = join(workDir, 'plain-header.csv');
    const eol = scan.newlines.crlf > 0 ? '\r\n' : '\n';
    await copyWithout(csvPath, readPath, 0, header.next, headers.map((_, i) => `c${i + 1}`).join(scan.delimiter) + eol);
    return readPath;
  }
  if (header.start > (scan.bom ? 3 : 0)) {
    const readPath = join(workDir, 'from-header.csv');
    await copyWithout(csvPath, readPath, 0, header.start);
    return readPath;
  }
  return csvPath;
}

/** DuckDB's line numbers from the header on (the header is line 1), and the physical lines they stand for. */
function linesFromHeader(scan: FileScan, header: HeadRecord, columnCount: number) {
  const headerExtra = scan.multiline.find((m) => m.unit === header.unit)?.extra ?? 0;
  const relative = (unit: number) => unit - header.unit + 1;
  const linesAboveData = header.line - 1 + headerExtra;
  const blankAfter = scan.blankUnits.filter((u) => u > header.unit).map(relative);
  const multilineAfter = scan.multiline.filter((m) => m.unit > header.unit).map((m) => [relative(m.unit), m.extra]);
  // DuckDB reads a blank line of a one-column file as an empty row: it is read, then left out
  const blankRows = columnCount === 1 ? blankAfter : [];
  const gaps = columnCount === 1 ? [] : blankAfter;
  const dataRecords = scan.records - scan.head.filter((r) => r.unit <= header.unit).length;
  const records = dataRecords + blankRows.length;
  return { linesAboveData, gaps, blankRows, multilineAfter, dataRecords, records };
}

/**
 * The cheapest text normalisation the file needs: most exports hold no tabs, full-width forms or
 * quoted line breaks in their values, and then trimming spaces is enough.
 */
function normalisationOf(scan: FileScan): string {
  return scan.wideForms ? 'norm_text_wide' : scan.otherBlanks || scan.multiline.length > 0 ? 'norm_text' : 'norm_text_plain';
}

/**
 * DuckDB's buffer is 16 times the longest line it accepts, and a file within one buffer is read
 * by one thread: when every record is short, a smaller limit (that no record reaches) lets the
 * reader split the file between threads.
 */
function readerLimitsOf(scan: FileScan): string {
  return scan.longestRecord < SHORT_RECORDS_BYTES / 2
    ? `max_line_size = ${SHORT_RECORDS_BYTES}, buffer_size = ${SHORT_RECORDS_BYTES * 2}`
    : `max_line_size = ${MAX_LINE_BYTES}`;
}
