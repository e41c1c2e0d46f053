/**
 * The sample generator's public types: its options, the summary it returns and the defaults.
 * Owns no behaviour. Imports nothing.
 */

export interface GenerateSampleOptions {
  outDir: string;
  seed?: number;
  tickets?: number;
  technicians?: number;
  outlets?: number;
  /** first month of ticket creation, 'YYYY-MM' */
  firstMonth?: string;
  months?: number;
  /** inject the rare bad rows (orphans, bad timestamps, duplicates, ...) */
  mess?: boolean;
  /** vary encodings, header aliases, column order, timestamp forms, xlsx */
  formats?: boolean;
}

export type SampleKind =
  | 'tickets'
  | 'revisits'
  | 'complaints'
  | 'violations'
  | 'technicians'
  | 'outlets'
  | 'unrecognised';

export interface SampleFile {
  file: string;
  kind: SampleKind;
  /** data rows (header excluded), mess rows included */
  rows: number;
  encoding: 'utf-8' | 'gbk' | 'xlsx';
  bom: boolean;
  bytes: number;
}

export type MessProblem =
  | 'bad_timestamp'
  | 'unknown_enum'
  | 'duplicate_key'
  | 'wrong_column_count'
  | 'missing_required'
  | 'orphan';

export interface MessRow {
  file: string;
  /** physical line in the file (header is line 1) */
  line: number;
  kind: SampleKind;
  key: string;
  /** header of the affected column as written in the file (null: whole row) */
  column: string | null;
  problem: MessProblem;
  value: string;
  note: string;
}

export interface SampleSummary {
  outDir: string;
  seed: number;
  firstMonth: string;
  months: number;
  mess: boolean;
  formats: boolean;
  files: SampleFile[];
  rows: Record<SampleKind, number>;
  tickets: { completed: number; cancelled: number; open: number };
  mess_rows: MessRow[];
}

export const DEFAULTS = {
  seed: 20261,
  tickets: 24000,
  technicians: 60,
  outlets: 10,
  firstMonth: '2025-11',
  months: 12,
} as const;

/** the order files are listed in the summary */
export const KIND_ORDER: readonly SampleKind[] = ['tickets', 'revisits', 'complaints', 'violations', 'technicians', 'outlets', 'unrecognised'];
