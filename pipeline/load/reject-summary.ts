// The rejected rows of a run's files, as the command line shows them: the first few on the console
// and, on request, every one in a CSV (UTF-8 with BOM, for Excel). A run's files are those it
// loaded and those it found unchanged (their rows were rejected when first loaded, and still are).
// What is shown of a rejected row is what the published quality file shows (publish/reports.ts):
// file, line, column, reason and the cell's value with phone numbers masked; load_rejects already
// holds '***' for a column that can hold a customer's data, and no value for a row rejected as a
// whole. On the console such a value is left out altogether. The raw line is never shown.
import { open, type FileHandle } from 'node:fs/promises';
import type { Db } from '../common/db.ts';
import { KINDS, sensitiveColumns } from './kinds.ts';
import type { FileOutcome } from './outcome.ts';

/** One rejected row as it may be shown. */
export interface ShownReject {
  file: string;
  line: number | null;
  column: string | null;
  reason: string;
  /** the cell's value, masked; null for a sensitive column or a row rejected as a whole */
  value: string | null;
}

export interface RejectSummary {
  /** rejected rows of the run's files */
  total: number;
  /** the first of them, in file and line order */
  first: ShownReject[];
  /** the CSV every one of them was written to */
  csvPath?: string;
}

/** Why the CSV of the rejects could not be written: one line naming the file. */
export class RejectsFileError extends Error {}

const CSV_PAGE_ROWS = 50_000;
const CSV_COLUMNS = ['file', 'line', 'column', 'reason', 'value'];

/** The rejected rows of the run's files: how many, the first `shown`, and all of them in csvPath when given. */
export async function summariseRejects(db: Db, files: FileOutcome[], shown: number, csvPath?: string): Promise<RejectSummary> {
  const batches = files.flatMap((f) => (f.status === 'skipped' ? [] : [Number(f.batchId)])).filter(Number.isSafeInteger);
  // batch ids are the loader's own numbers, never text read from a file
  await db.run(`
    create or replace temp table run_rejects as
    select row_number() over (order by r.batch_id, r.line nulls first, r."column" nulls first, r.reason, r.value) as n,
           r.file, r.line, r."column", r.reason, mask_phone_numbers(r.value) as value, b.kind
    from load_rejects as r join load_batches as b using (batch_id)
    where r.batch_id in (${batches.length > 0 ? [...new Set(batches)].join(', ') : 'null'})`);
  try {
    const total = await db.value<number>(`select count(*) from run_rejects`);
    const first = (await page(db, 0, shown)).map(consoleView);
    if (csvPath !== undefined) await writeCsv(db, total, csvPath);
    return { total, first, csvPath };
  } finally {
    await db.run(`drop table if exists run_rejects`);
  }
}

async function page(db: Db, after: number, rows: number): Promise<(ShownReject & { kind: string })[]> {
  return (await db.all(`select file, line, "column", reason, value, kind from run_rejects where n > $1 and n <= $2 order by n`, [after, after + rows])) as never;
}

/** On the console, no value of a column that can hold a customer's data, not even masked. */
function consoleView(r: ShownReject & { kind: string }): ShownReject {
  const kind = KINDS.find((k) => k.kind === r.kind);
  const sensitive = r.column === null || (kind !== undefined && sensitiveColumns(kind).includes(r.column));
  return { file: r.file, line: r.line, column: r.column, reason: r.reason, value: sensitive ? null : r.value };
}

/** Every rejected row into a CSV, page by page: UTF-8 with a BOM (Excel reads it so), CRLF line breaks. */
async function writeCsv(db: Db, total: number, path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'w');
    await handle.write(`\uFEFF${CSV_COLUMNS.join(',')}\r\n`);
    for (let after = 0; after < total; after += CSV_PAGE_ROWS) {
      const rows = await page(db, after, CSV_PAGE_ROWS);
      await handle.write(rows.map((r) => [r.file, r.line === null ? '' : String(r.line), r.column, r.reason, r.value].map(csvField).join(',') + '\r\n').join(''));
    }
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    throw new RejectsFileError(`cannot write the rejects to ${path}: ${error.code ?? error.message.split('\n')[0]}`);
  } finally {
    await handle?.close();
  }
}

/**
 * A CSV field: quoted when it holds a quote, a comma or a line break. A text a spreadsheet would
 * take for a formula (=, +, -, @ first) gets a leading apostrophe: these values come from exports.
 */
export function csvField(value: string | null): string {
  if (value === null) return '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A reject as one console line: `file:line  column  reason  "value"` (the value only when it may be shown). */
export function rejectLine(r: ShownReject): string {
  const where = r.line === null ? r.file : `${r.file}:${r.line}`;
  const value = r.value === null ? '' : `  ${JSON.stringify(r.value.length > 60 ? `${r.value.slice(0, 60)}…` : r.value)}`;
  return `${where}  ${r.column ?? '-'}  ${r.reason}${value}`;
}
