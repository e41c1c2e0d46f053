// The files an outlet's account reads (spec §7): every file it may open holds only what it may see.
//
//   ranking/<month>.json                                 every outlet's composite and ranks, no KPI detail
//   by_outlet/<outlet>/technicians/<month>.json          its technicians' KPI rows of the month
//   by_outlet/<outlet>/technician_history.json           its technicians' KPI rows, every month
//   by_outlet/<outlet>/penalties/<month>.json            its technicians' penalty totals
//   by_outlet/<outlet>/penalty_lines/<month>.json        its technicians' statement lines
//   by_outlet/<outlet>/outlet_penalties/<month>.json     its own fines
//
// Each is the rows of the network-wide file whose outlet_id is the outlet's, the same bytes per
// row, in the same order; a month without rows is `[]`. <outlet> is the outlet id as a folder name
// (outletFolderName; the server computes the same to decide who may read the folder). The
// settlement step writes its outlet statements into the same folder, by the same name.
//
// These files are written in full on every publish (they span outlets, whose set can change with
// any month): a few thousand small files at a national network's size.
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

/** The month files of each outlet: the rows of a published family whose outlet_id is the outlet's. */
const OUTLET_MONTH_FILES = [
  { folder: 'technicians', from: 'pub_scoped_technicians', order: 'technician_id, outlet_id' },
  { folder: 'penalties', from: 'pub_scoped_penalty_totals', order: 'technician_id' },
  { folder: 'penalty_lines', from: 'pub_scoped_penalty_lines', order: 'technician_id, occurred_at, rule_id, ticket_id, revisit_id, complaint_id, violation_id' },
  { folder: 'outlet_penalties', from: 'pub_scoped_outlet_penalties', order: 'outlet_id, ticket_id, complaint_id, amount' },
] as const;

async function prepare(connection: DuckDBConnection): Promise<string[]> {
  await connection.run(
    [
      `create or replace temp view pub_scoped_technicians as ${sqlFile('publish/technician_months.sql')};`,
      `create or replace temp view pub_scoped_penalty_totals as ${sqlFile('publish/penalty_totals.sql')};`,
      `create or replace temp view pub_scoped_penalty_lines as ${sqlFile('publish/penalty_lines.sql')};`,
      `create or replace temp view pub_scoped_outlet_penalties as ${sqlFile('publish/outlet_penalties.sql')};`,
      `create or replace temp view pub_scoped_ranking as ${sqlFile('publish/outlet_ranking.sql')};`,
      `create or replace temp table pub_scoped_outlets as ${sqlFile('publish/outlet_ids.sql')};`,
    ].join('\n'),
  );
  const ids = (await connection.runAndReadAll(`select outlet_id from pub_scoped_outlets order by outlet_id`)).getRows().map(([id]) => String(id));
  const names = new Map<string, string>();
  for (const id of ids) {
    const name = outletFolderName(id);
    // two outlets in one folder would show each other's rows: impossible by the rule, checked anyway
    if (names.has(name)) throw new Error(`outlets ${names.get(name)} and ${id} would share the folder ${name}`);
    names.set(name, id);
  }
  return ids;
}

/** One JSON array per outlet of a view's rows (where), in order: outlet_id → file text. */
async function perOutlet(connection: DuckDBConnection, from: string, order: string, where: string): Promise<Map<string, (Buffer | null)[]>> {
  return fileTexts(connection, `
    select outlet_id, ${jsonArray('to_json(source)::varchar', order)}
    from ${from} as source
    where ${where} and outlet_id is not null
    group by outlet_id`);
}

/** Every outlet's files and the ranking, for every month published. */
export async function writeOutletFiles(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  const outlets = await prepare(connection);
  // a month at a time: a national network's statement lines of a year, held at once, would be large
  for (const month of months) {
    const inMonth = `month = ${sqlString(month)}`;
    for (const family of OUTLET_MONTH_FILES) {
      const bodies = await perOutlet(connection, family.from, family.order, inMonth);
      for (const id of outlets) folder.page(outletPath(id, `${family.folder}/${month}.json`), bodies.get(id)?.[0] ?? EMPTY_ARRAY);
    }
    const ranking = await fileTexts(connection, `select month, ${jsonArray('to_json(source)::varchar', 'outlet_rank nulls last, outlet_id')} from pub_scoped_ranking as source where ${inMonth} group by month`);
    folder.page(`ranking/${month}.json`, ranking.get(month)?.[0] ?? EMPTY_ARRAY);
  }
  const histories = await perOutlet(connection, 'pub_scoped_technicians', 'technician_id, month', 'true');
  for (const id of outlets) folder.page(outletPath(id, 'technician_history.json'), histories.get(id)?.[0] ?? EMPTY_ARRAY);
  await connection.run(`drop table pub_scoped_outlets`);
}
