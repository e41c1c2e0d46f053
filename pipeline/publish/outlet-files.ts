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
// per row, by month and then in the order of the month file; `[]` when it has none. One file per
// outlet and family, not per month: a national network has hundreds of outlets, and a file per
// outlet, family and month was tens of thousands of files, which took the publish most of its time.
// A page keeps the rows of its month (dashboard/src/lib/data.ts). <outlet> is the outlet id as a
// folder name (outletFolderName; the server computes the same to decide who may read the folder).
// The settlement step writes its outlet statements into the same folder, by the same rule.
//
// These files are written in full on every publish, like every file spanning months.
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlFile, sqlString } from '../common/db.ts';
import { EMPTY_ARRAY, fileTexts, jsonArray } from './data-files.ts';
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

const LINE_ORDER = 'technician_id, occurred_at, rule_id, ticket_id, revisit_id, complaint_id, violation_id';

/** Each outlet's files: the rows of a published family (its query) whose outlet_id is the outlet's, every month. */
const OUTLET_FILES = [
  { file: 'technicians.json', query: 'publish/technician_months.sql', order: 'month, technician_id, outlet_id' },
  { file: 'penalties.json', query: 'publish/penalty_totals.sql', order: 'month, technician_id' },
  { file: 'penalty_lines.json', query: 'publish/penalty_lines.sql', order: `month, ${LINE_ORDER}` },
  { file: 'outlet_penalties.json', query: 'publish/outlet_penalties.sql', order: 'month, outlet_id, ticket_id, complaint_id, amount' },
  { file: 'outlet_history.json', query: 'publish/outlet_history.sql', order: 'month, outlet_id' },
  // the adjustments booked into each month (audit.ts writes the network-wide month files, in these orders)
  { file: 'adjustments.json', query: 'publish/penalty_adjustments.sql', order: 'month, technician_id, original_month, line_id, reason, amount' },
  { file: 'settlement_adjustments.json', query: 'publish/settlement_adjustments.sql', order: 'month, outlet_id, original_month, line_id, reason, amount' },
] as const;

/** Outlets serialised per query: their texts are held until written. */
const OUTLETS_AT_A_TIME = 100;

/** Every outlet that has a folder, in outlet order; no two in one folder. */
async function outletIds(connection: DuckDBConnection): Promise<string[]> {
  const ids = (await connection.runAndReadAll(`select outlet_id from (${sqlFile('publish/outlet_ids.sql')}) order by outlet_id`)).getRows().map(([id]) => String(id));
  const names = new Map<string, string>();
  for (const id of ids) {
    const name = outletFolderName(id);
    // two outlets in one folder would show each other's rows: impossible by the rule, checked anyway
    if (names.has(name)) throw new Error(`outlets ${names.get(name)} and ${id} would share the folder ${name}`);
    names.set(name, id);
  }
  return ids;
}

/**
 * One JSON array per outlet of the given ones (consecutive in outlet order), of a table's rows in
 * order: outlet_id → file text. A range, not a list: the tables are in outlet order, so it reads
 * only the row groups of these outlets.
 */
export async function perOutlet(connection: DuckDBConnection, from: string, order: string, outlets: string[]): Promise<Map<string, (Buffer | null)[]>> {
  return fileTexts(connection, `
    select outlet_id, ${jsonArray('to_json(source)::varchar', order)}
    from ${from} as source
    where outlet_id between ${sqlString(outlets[0]!)} and ${sqlString(outlets.at(-1)!)}
    group by outlet_id`);
}

/**
 * Every outlet's files, and the ranking and outlet history of every month published. A family at a
 * time, as a table in outlet order: a group of outlets (perOutlet) reads only its own row groups,
 * where a view would be evaluated again, in full, for every group (a national network has thousands
 * of outlets); and the table is dropped before the next family's is made, so that a national
 * network's lines and the other lanes' tables fit in memory together.
 */
export async function writeOutletFiles(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  const outlets = await outletIds(connection);
  for (const family of OUTLET_FILES) {
    await connection.run(`create or replace temp table pub_scoped_family as ${sqlFile(family.query)} order by outlet_id;`);
    for (let from = 0; from < outlets.length; from += OUTLETS_AT_A_TIME) {
      const group = outlets.slice(from, from + OUTLETS_AT_A_TIME);
      const bodies = await perOutlet(connection, 'pub_scoped_family', family.order, group);
      for (const id of group) folder.page(outletPath(id, family.file), bodies.get(id)?.[0] ?? EMPTY_ARRAY);
    }
    await connection.run(`drop table pub_scoped_family;`);
  }
  const rankings = await fileTexts(connection, `select month, ${jsonArray('to_json(source)::varchar', 'outlet_rank nulls last, outlet_id')} from (${sqlFile('publish/outlet_ranking.sql')}) as source group by month`);
  for (const month of months) folder.page(`ranking/${month}.json`, rankings.get(month)?.[0] ?? EMPTY_ARRAY);
  const history = await fileTexts(connection, `select 'history', ${jsonArray('to_json(source)::varchar', 'outlet_id, month')} from (${sqlFile('publish/outlet_history.sql')}) as source`);
  folder.page('outlet_history.json', history.get('history')?.[0] ?? EMPTY_ARRAY);
}
