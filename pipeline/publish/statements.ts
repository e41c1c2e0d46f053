// HR's statements of a month: the totals the penalties page reads, and the month's inputs of HR's
// downloads (CSV and XLSX, zh and en), which the server renders from them on request
// (downloads.ts). The statement lines the page reads (penalty_lines/<month>.json) are made by the
// server too, from the month's penalty lines among those inputs (renderLinesPage): at ten million
// tickets they were 94 MB of JSON a month, 1.2 GB a year, written and gzipped on every publish.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { sqlFile, sqlString } from '../common/db.ts';
import { penaltyLinesInput, writePenaltyRows } from './downloads.ts';
import { jsonArray, monthsVariable, ROW_JSON, writeJsonFile } from './data-files.ts';
import type { RunFolder } from './run-folder.ts';

// Row orders are total (ties broken down to the row's identity), so a month file comes out the
// same bytes from any run over the same rows: what lets an incremental publish reuse it.
export const LINE_ORDER = 'technician_id, occurred_at, rule_id, ticket_id, revisit_id, complaint_id, violation_id';

/** Per month: the month's totals (penalties/<month>.json), and the inputs of HR's downloads and statement lines. */
export async function writeStatements(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  // Only the months written: every file of the lane is a month's. The totals are a table: the
  // database stores violations_ytd (a HUGEINT) bit-packed, and reading it took 20 ms at 1M tickets
  // whatever the filter, for each of the two queries per month that did. The reasons of the flags,
  // an input of the downloads, are worded once (a row or two per flagged technician and month) with
  // the publish macros of the lane's connection (publish/index.ts).
  await monthsVariable(connection, 'pub_statement_months', months);
  await connection.run(`
    create or replace temp table pub_penalty_totals as
    select * from (${sqlFile('publish/penalty_totals.sql')}) where list_contains(getvariable('pub_statement_months'), month) order by month;
    create or replace temp table pub_penalty_reasons as
    select * from (${sqlFile('publish/penalty_reasons.sql')}) where list_contains(getvariable('pub_statement_months'), month);`);
  // a month at a time: a national network's month of statement lines is tens of MB of JSON, and a
  // year of them at once would hold gigabytes
  for (const month of months) {
    await writeJsonFile(connection, folder, `penalties/${month}.json`, { json: ROW_JSON, from: 'pub_penalty_totals', where: `month = ${sqlString(month)}`, order: 'technician_id' });
    await writePenaltyRows(connection, folder, month);
  }
}

const LINES_PAGE = /^penalty_lines\/(\d{4}-\d{2})\.json$/;

/** The month of a path inside a run folder when it is HR's statement lines of a month (penalty_lines/2026-03.json), else null. */
export function linesPageMonth(pathInRun: string): string | null {
  return LINES_PAGE.exec(pathInRun)?.[1] ?? null;
}

/**
 * HR's statement lines of a month as the penalties page reads them, made on a connection of its
 * own to `instance` from the month's penalty lines in the run folder (queries/publish/
 * penalty_lines.sql over them): a JSON array, in HR's order. Null when the run folder has no
 * such input (a month not published, or a run folder of an older format, which has the file).
 */
export async function renderLinesPage(instance: DuckDBInstance, runDir: string, month: string): Promise<Buffer | null> {
  const input = join(runDir, penaltyLinesInput(month));
  if (!existsSync(input)) return null;
  const connection = await instance.connect();
  try {
    await connection.run(`create or replace temp view penalty_lines as select * from read_parquet(${sqlString(input)})`);
    const [[text]] = (await connection.runAndReadAll(`select ${jsonArray('to_json(source)::varchar', LINE_ORDER)} from (${sqlFile('publish/penalty_lines.sql')}) as source`)).getRows() as [[{ bytes: Uint8Array }]];
    return Buffer.from(text.bytes.buffer, text.bytes.byteOffset, text.bytes.byteLength);
  } finally {
    connection.closeSync();
  }
}
