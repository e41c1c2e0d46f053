// Which of a file's first records is its header, and its cells: the first record that names the
// kind's key column (a title or notes may come before it), else the first that is not blank.
// Used twice: on the bytes as they are cleaned (clean-csv.ts), and to plan the read (plan.ts).
import { parse as parseCsv } from 'csv-parse/sync';
import { detectDelimiter, type FileScan, type HeadRecord } from './bytes/prepass.ts';
import { mapHeader, type KindDef } from './kinds.ts';

/**
 * The header among the first records: the first that names the key column, else the first that
 * is not blank; each record split with the delimiter it uses most.
 */
export function findHeader(scan: FileScan, kind: KindDef): { header?: HeadRecord; fields: string[]; delimiter: string; byKey: boolean } {
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

/** A head record's cells, with the delimiter given (split plainly if the CSV parser refuses it). */
export function splitRecord(r: HeadRecord, delimiter: string): string[] {
  const text = r.bytes.toString('utf8');
  try {
    return (parseCsv(text, { delimiter, relax_quotes: true, relax_column_count: true }) as string[][])[0] ?? [''];
  } catch {
    return text.split(delimiter);
  }
}
