// The close, its adjustments and the appeals (spec 6) as the pages read them (dashboard/DATA.md):
//
//   closes.json                          the closed months: when, by whom, the sha256 (every account)
//   audit/closes.json                    every close in full: lines, amounts, adjustments (HR)
//   adjustments/<month>.json             the penalty adjustments booked into the month (HR)
//   settlement_adjustments/<month>.json  the settlement adjustments booked into the month (HR)
//   appeals/<month>.json                 the appeals of the month's penalty lines, never their reason (HR)
//
// Each outlet's own adjustments are in its folder (outlet-files.ts). The month files are among
// monthFiles() (run-folder.ts): the build marks the month an adjustment is booked into, and the
// month of an appealed line, as rewritten, so an incremental publish may take the others over. The
// two files of closes span the months and are written by every publish.
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlFile } from '../common/db.ts';
import { ROW_JSON, writeJsonFile, writeMonthFiles } from './data-files.ts';
import type { RunFolder } from './run-folder.ts';

/** The month files of this step: folder, view, row order (total, so the bytes are the same from the same rows). */
const MONTH_FAMILIES = [
  { folder: 'adjustments', from: 'pub_penalty_adjustments', order: 'technician_id, original_month, line_id, reason, amount' },
  { folder: 'settlement_adjustments', from: 'pub_settlement_adjustments', order: 'outlet_id, original_month, line_id, reason, amount' },
  { folder: 'appeals', from: 'pub_appeal_decisions', order: 'technician_id, line_id, submitted_at, appeal_id' },
] as const;

/** The files spanning months: path, view. */
const CLOSE_FILES = [
  { file: 'closes.json', from: 'pub_closes' },
  { file: 'audit/closes.json', from: 'pub_audit_closes' },
] as const;

/** The views of queries/publish/ this step reads, by name. */
const VIEWS = ['closes', 'audit_closes', 'penalty_adjustments', 'settlement_adjustments', 'appeal_decisions'];

/** The close's files: the two of closes, and the month files of the months written. */
export async function writeAudit(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  await connection.run(VIEWS.map((view) => `create or replace temp view pub_${view} as ${sqlFile(`publish/${view}.sql`)};`).join('\n'));
  for (const { file, from } of CLOSE_FILES) await writeJsonFile(connection, folder, file, { json: ROW_JSON, from, order: 'month' });
  for (const family of MONTH_FAMILIES) await writeMonthFiles(connection, folder, family.folder, months, { json: ROW_JSON, from: family.from, order: family.order });
}
