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
  /**
   * also write `late/`: what arrives after HR closed the first months (a late ticket, corrected
   * records, the appeals), to be loaded after those closes (off by default; npm run sample sets it)
   */
  late?: boolean;
}

export type SampleKind =
  | 'tickets'
  | 'revisits'
  | 'complaints'
  | 'violations'
  | 'technicians'
  | 'outlets'
  | 'appeals'
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
  /** the late export (`late` option), null when not written */
  late: LateExport | null;
}

/** the late export: its folder and files, and what its records are meant to do once loaded */
export interface LateExport {
  dir: string;
  /** the months it comes after: closed, in this order, before it is loaded */
  closed: string[];
  /** names relative to the sample folder (late/…) */
  files: SampleFile[];
  /** the closed months' lines it changes, by the adjustment each should book */
  changes: { line_id: string; month: string; reason: 'new_line' | 'line_gone' | 'amount_changed' }[];
  /** every appeal written and what the pipeline should make of it */
  appeals: { appeal_id: string; line_id: string; decision: AppealDecision; outcome: AppealOutcome }[];
}

export type AppealDecision = 'pending' | 'upheld' | 'waived' | 'reduced';
/** stands: the line's deciding appeal; replaced: a later decision of the same line stands; the rest: rejected with that reason */
export type AppealOutcome = 'stands' | 'replaced' | 'unknown_line' | 'amount_out_of_range';

export const DEFAULTS = {
  seed: 20261,
  tickets: 24000,
  technicians: 60,
  outlets: 10,
  firstMonth: '2025-11',
  months: 12,
} as const;

/** the order files are listed in the summary */
export const KIND_ORDER: readonly SampleKind[] = ['tickets', 'revisits', 'complaints', 'violations', 'technicians', 'outlets', 'appeals', 'unrecognised'];
