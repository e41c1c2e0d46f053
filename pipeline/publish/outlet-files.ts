// The files an outlet's account reads (spec §7): every file it may open holds only what it may see.
//
//   ranking/<month>.json                        every outlet's composite and ranks, no KPI detail
//   by_outlet/<outlet>/technicians.json         its technicians' KPI rows, every month
//   by_outlet/<outlet>/penalties.json           its technicians' penalty totals, every month
//   by_outlet/<outlet>/penalty_lines.json       its technicians' statement lines, every month
//   by_outlet/<outlet>/outlet_penalties.json    its own fines, every month
//   by_outlet/<outlet>/outlet_history.json      its own rows of outlet_history.json, every month
//   by_outlet/<outlet>/adjustments.json         its technicians' penalty adjustments, every month booked
//   by_outlet/<outlet>/settlement_adjustments.json  its own settlement adjustments, every month booked
//
// outlet_history.json (every outlet over time, for HR and managers) is written here too: the
// outlets' copies are its rows.
//
// Each is the rows of the network-wide month files whose outlet_id is the outlet's, the same bytes
// per row, by month and then in the order of the month file; `[]` when it has none. The publish
// writes each family once, in outlet order, and the server renders an outlet's file when it is
// asked for (outlet-rows.ts). <outlet> is the outlet id as a folder name (outletFolderName; the
// server computes the same to decide who may read the folder). The settlement step's families and
// outlet statements go into the same folder, by the same rule.
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlFile } from '../common/db.ts';
import { ROW_JSON, writeJsonFile, writeMonthFiles } from './data-files.ts';
import { type OutletFile, writeOutletList, writeOutletRows } from './outlet-rows.ts';
import type { RunFolder } from './run-folder.ts';

/** The folder of the outlets' own files, inside the run folder. */
export const OUTLET_ROOT = 'by_outlet';

/**
 * An outlet id as a folder name: as it is when made of [A-Za-z0-9_-], else percent-encoded (dots
 * too, so that no name is `.` or `..`); a name too long for a file system, or of an id that cannot
 * be encoded, is `%-` and a hash of the id (`%-` never comes out of the encoding). The server's
 * copy of this rule is dashboard/server/access-rules.ts (the server does not load the pipeline).
 */
export function outletFolderName(outletId: string): string {
  let name: string;
  try {
    name = /^[A-Za-z0-9_-]+$/.test(outletId) ? outletId : encodeURIComponent(outletId).replaceAll('.', '%2E');
  } catch {
    name = '';
  }
  if (name !== '' && name.length <= 120) return name;
  return `%-${createHash('sha256').update(outletId, 'utf8').digest('hex').slice(0, 40)}`;
}

/** A path inside the run folder of one outlet's file. */
export function outletPath(outletId: string, file: string): string {
  return `${OUTLET_ROOT}/${outletFolderName(outletId)}/${file}`;
}

/**
 * Each outlet's files: the family (outlet-rows.ts) and the query of its rows. Not the statement lines
 * (penalty_lines.json): they are rendered from HR's statement inputs of each month (outlet-rows.ts).
 */
const OUTLET_FAMILIES = [
  { file: 'technicians.json', query: 'publish/technician_months.sql' },
  { file: 'penalties.json', query: 'publish/penalty_totals.sql' },
  { file: 'outlet_penalties.json', query: 'publish/outlet_penalties.sql' },
  { file: 'outlet_history.json', query: 'publish/outlet_history.sql' },
  { file: 'adjustments.json', query: 'publish/penalty_adjustments.sql' },
  { file: 'settlement_adjustments.json', query: 'publish/settlement_adjustments.sql' },
] as const satisfies readonly { file: OutletFile; query: string }[];

/** Fails when two of the outlets given (every outlet that has a folder) would share one. */
function checkOutletFolders(ids: string[]): void {
  const names = new Map<string, string>();
  for (const id of ids) {
    const name = outletFolderName(id);
    // two outlets in one folder would show each other's rows: impossible by the rule, checked anyway
    if (names.has(name)) throw new Error(`outlets ${names.get(name)} and ${id} would share the folder ${name}`);
    names.set(name, id);
  }
}

/**
 * Every outlet's files (as the rows of each family, outlet-rows.ts) and the list of outlets with a
 * folder, and the ranking and outlet history of every month published.
 */
export async function writeOutletFiles(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  checkOutletFolders(await writeOutletList(connection, folder, `(${sqlFile('publish/outlet_ids.sql')})`, '(select outlet_id from settlement_totals)'));
  for (const family of OUTLET_FAMILIES) await writeOutletRows(connection, folder, family.file, `(${sqlFile(family.query)})`);
  // the ranking once, then a file a month
  await connection.run(`create or replace temp table pub_outlet_ranking as ${sqlFile('publish/outlet_ranking.sql')}`);
  await writeMonthFiles(connection, folder, 'ranking', months, { json: ROW_JSON, from: 'pub_outlet_ranking', order: 'outlet_rank nulls last, outlet_id' });
  await connection.run(`drop table pub_outlet_ranking`);
  await writeJsonFile(connection, folder, 'outlet_history.json', { json: ROW_JSON, from: `(${sqlFile('publish/outlet_history.sql')})`, order: 'outlet_id, month' });
}
