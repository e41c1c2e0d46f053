// The outlets' settlement (spec 5.4): what HQ pays each outlet for a month, the tickets withheld and
// why, the fines deducted. HR reads every outlet; an outlet's account only its own folder (spec §7,
// dashboard/DATA.md):
//
//   settlement/<month>.json                       every outlet's settlement_totals row (+ name, tier, by
//                                                 service type, withheld by why and by completion month)
//   download_rows/<input>/<month>.parquet         what the downloads are made from (downloads.ts: the
//                                                 month's settlement_totals, tickets withheld, outlet
//                                                 fines), which the server renders on request: HR's settlement/<month>.csv,
//                                                 .xlsx (.en.csv, .en.xlsx), every outlet's statement then
//                                                 the month's total, the workbook's second sheet one row per
//                                                 outlet; an outlet's by_outlet/<outlet>/settlement/<month>
//                                                 .csv, .xlsx (…), its own statement of a month with a
//                                                 settlement row
//   by_outlet/<outlet>/settlement.json            its rows of every settlement/<month>.json
//   by_outlet/<outlet>/settlement_lines.json      the tickets settled, every month
//   by_outlet/<outlet>/settlement_withheld.json   the tickets withheld, once per run of months in one state
//                                                 (these three rendered by the server from the rows of
//                                                 every outlet: outlet_rows/settlement/<month>.parquet,
//                                                 outlet_rows/settlement_withheld.parquet, the tickets
//                                                 settled from tables/settlement_lines/: outlet-rows.ts)
//
// A ticket withheld for months is one row per run of months in which why it is withheld stays the
// same (queries/publish/settlement_withheld.sql), not a row per month: at a million tickets the
// tickets never revisited made the month-by-month lists most of the publish. The build stores the
// runs as each ticket's own records end them (int_settlement_withheld: a new month leaves the rows
// of earlier months' tickets in place); the publish ends the open ones at the last month and adds
// the technicians' names. A statement lists the
// tickets completed in its month and withheld at its end one by one, those carried over from earlier
// months one row per completion month.
//
// Which months are written: a month's settlement depends on every earlier month (a ticket stays
// withheld until its revisit arrives, and why it is withheld changes with each call), so an
// incremental publish takes over only the months before the first month it writes
// (settlementMonths), with their download rows and their outlets' rows (the totals are worked out
// for the months written only); the tickets withheld span the months and are written in full.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlFile, sqlString } from '../common/db.ts';
import { writeSettlementRows } from './downloads.ts';
import { monthsVariable, ROW_JSON, writeJsonFile } from './data-files.ts';
import { writeOutletMonthRows, writeOutletRows } from './outlet-rows.ts';
import { type RunFolder, settlementMonthFiles } from './run-folder.ts';

// Row orders are total, so that a month file is the same bytes from any run over the same rows.
const TOTALS_ORDER = 'outlet_id';

/**
 * The months whose settlement files an incremental publish writes, of the months published (in
 * order) when those of `written` are written and the others taken over: every month from the first
 * written one on. A month before it saw no change of its own or of an earlier month.
 */
export function settlementMonths(months: string[], written: string[]): string[] {
  const first = written.reduce<string | null>((min, m) => (min === null || m < min ? m : min), null);
  return first === null ? [] : months.filter((m) => m >= first);
}

/**
 * Takes over from the previous run the settlement files of the months given (the caller has checked
 * they are there: settlementMonthFiles), with their gzip copies, by hard links.
 */
export function linkSettlement(folder: RunFolder, previousDir: string, months: string[]): void {
  for (const month of months) {
    for (const file of settlementMonthFiles(month)) {
      folder.link(join(previousDir, file), file);
      if (file.endsWith('.json') && existsSync(join(previousDir, `${file}.gz`))) folder.link(join(previousDir, `${file}.gz`), `${file}.gz`);
    }
  }
}

/** The tables of the settlement files of the months given, on the connection of this lane (with the publish macros). */
async function prepare(connection: DuckDBConnection, months: string[]): Promise<void> {
  await monthsVariable(connection, 'pub_settlement_months', months);
  await connection.run(
    [
      sqlFile('publish/macros.sql'),
      `create or replace temp view pub_settlement_words as ${sqlFile('publish/settlement_words.sql')};`,
      // by the month a run starts, then outlet: each month's input of the downloads (the runs starting
      // in it, downloads.ts) is read from a few row groups, already in its order (1M tickets: the
      // thirteen months 0.36 s against 0.6 s in outlet order alone); the build stores the runs in
      // this order, so that the sort finds them (mostly) sorted
      `create or replace temp table pub_settlement_withheld as ${sqlFile('publish/settlement_withheld.sql')} order by withheld_from, outlet_id, ticket_id;`,
      `create or replace temp table pub_settlement_totals as ${sqlFile('publish/settlement_totals.sql')} order by outlet_id;`,
    ].join('\n'),
  );
}

/** Every settlement file of the months given, with their outlets' rows, and the outlets' tickets withheld. */
export async function writeSettlement(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  await prepare(connection, months);
  folder.directory('settlement');
  for (const month of months) {
    await writeJsonFile(connection, folder, `settlement/${month}.json`, { json: ROW_JSON, from: 'pub_settlement_totals', where: `month = ${sqlString(month)}`, order: TOTALS_ORDER });
    await writeSettlementRows(connection, folder, month);
  }
  await writeOutletMonthRows(connection, folder, 'settlement.json', 'pub_settlement_totals', months);
  await writeOutletRows(connection, folder, 'settlement_withheld.json', 'pub_settlement_withheld');
  await connection.run(`drop table pub_settlement_totals; drop table pub_settlement_withheld;`);
}
