// Which of a file's first records is its header, and its cells: the first record that names the
// kind's key column (a title or notes may come before it), else the first that is not blank.
// Used three times: on the bytes as they are cleaned (clean-csv.ts), to plan the read (plan.ts),
// and to tell the kind of a file whose name does not (recognise.ts), each record split alike.
import { parse as parseCsv } from 'csv-parse/sync';
import { detectDelimiter, type FileScan, type HeadRecord } from './bytes/prepass.ts';
import { mapHeader, type KindDef } from './kinds.ts';

/** A record that may be the header: its cells, split with the delimiter it uses most. */
export interface HeaderCandidate {
  record: HeadRecord;
  fields: string[];
  delimiter: string;
}

/** The first records that are not blank, in order, each split with the delimiter it uses most. */
export function headerCandidates(scan: FileScan): HeaderCandidate[] {
  return scan.head
    .filter((r) => !r.whitespace)
    .map((record) => {
      const delimiter = detectDelimiter(record.bytes.toString('utf8'));
      return { record, delimiter, fields: splitRecord(record, delimiter) };
    });
}

/**
 * The header among the first records: the first that names the key column, else the first that
 * is not blank; each record split with the delimiter it uses most.
 */
export function findHeader(scan: FileScan, kind: KindDef): { header?: HeadRecord; fields: string[]; delimiter: string; byKey: boolean } {
  const candidates = headerCandidates(scan);
  const keyed = candidates.find((c) => mapHeader(kind, c.fields).columns.has(kind.key));
  if (keyed) return { header: keyed.record, fields: keyed.fields, delimiter: keyed.delimiter, byKey: true };
  const first = candidates[0];
  return first ? { header: first.record, fields: first.fields, delimiter: first.delimiter, byKey: false } : { fields: [], delimiter: scan.delimiter, byKey: false };
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
