// HR's statements of a month: the lines and totals the penalties page reads, and the month's inputs
// of HR's downloads (CSV and XLSX, zh and en), which the server renders from them on request
// (downloads.ts).
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlFile, sqlString } from '../common/db.ts';
import { writePenaltyRows } from './downloads.ts';
import { EMPTY_ARRAY, monthJson } from './data-files.ts';
import type { RunFolder } from './run-folder.ts';

// Row orders are total (ties broken down to the row's identity), so a month file comes out the
// same bytes from any run over the same rows: what lets an incremental publish reuse it.
const LINE_ORDER = 'technician_id, occurred_at, rule_id, ticket_id, revisit_id, complaint_id, violation_id';

/**
 * Per month: the statement lines the penalties page reads (penalty_lines/<month>.json), the month's
 * totals (penalties/<month>.json), and the rows of HR's downloads.
 */
export async function writeStatements(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  // the reasons of the flags, an input of the downloads, worded once for every month (a row or two
  // per flagged technician and month) with the publish macros of the statements' connection
  // (publish/index.ts)
  await connection.run(`create or replace temp table pub_penalty_reasons as ${sqlFile('publish/penalty_reasons.sql')};`);
  // a month at a time: a national network's month of statement lines is tens of MB of JSON, and a
  // year of them at once would hold gigabytes
  for (const month of months) {
    const inMonth = `month = ${sqlString(month)}`;
    const lines = await monthJson(connection, 'pub_penalty_lines', LINE_ORDER, inMonth);
    const totals = await monthJson(connection, 'pub_penalty_totals', 'technician_id', inMonth);
    folder.page(`penalty_lines/${month}.json`, lines.get(month) ?? EMPTY_ARRAY);
    folder.page(`penalties/${month}.json`, totals.get(month) ?? EMPTY_ARRAY);
    await writePenaltyRows(connection, folder, month);
  }
}
