// Rejected rows of the load stage that the loader finds itself (LineReject: a line cut out before
// DuckDB reads the file, or above the header), and the raw line kept for a rejected row: read
// back from the file by its line number, cut to RAW_LINE_CHARS, customer contact data masked.
// Imports only the shared database helper.
import { createReadStream } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Db } from '../common/db.ts';

// the raw text kept for a rejected row
export const RAW_LINE_CHARS = 4000;

/** A rejected line the loader finds itself, before DuckDB reads the file. */
export interface LineReject {
  line: number;
  reason: string;
  raw: string;
  /** the position of the column at fault, when known */
  field?: number;
}

/** Rejected lines the loader found itself (a quote never closed, lines above the header). */
export async function insertLineRejects(db: Db, batchId: number, file: string, rejects: LineReject[], columnOf: (field: number) => string | null): Promise<void> {
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

/**
 * The text of some lines of a file (numbered from 1), found by counting line breaks in one
 * streaming pass; each line cut to what a rejected row keeps. For the few rejected rows of a file
 * whose records are one per line.
 */
export async function readLines(path: string, lines: number[]): Promise<string[]> {
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
export function rawLineOf(text: string, delimiter: string, pii: Set<number>): string {
  let cells: string[];
  try {
    cells = (parseCsv(text, { delimiter, quote: '"', escape: '"', relax_quotes: true, relax_column_count: true }) as string[][])[0] ?? [];
  } catch {
    cells = text.split(delimiter);
  }
  return cells.map((c, i) => (pii.has(i) ? '***' : c)).join(delimiter).slice(0, RAW_LINE_CHARS);
}

