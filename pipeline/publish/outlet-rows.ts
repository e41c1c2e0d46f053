// The files of an outlet's own folder (spec §7): by_outlet/<folder>/<file>.json, each the rows of a
// published family whose outlet_id is the outlet's, every month, as a JSON array. The publish writes
// each family once, for every outlet, as a Parquet file in outlet order:
//
//   outlet_rows/outlets.parquet        every outlet with a folder: outlet_id, and whether it has the
//                                      files of every family (own_files) or only the settlement's
//   outlet_rows/<family>.parquet       the family's rows (technicians, penalties, outlet_penalties,
//                                      outlet_history, adjustments, settlement_adjustments,
//                                      settlement_withheld), ordered by outlet_id and the file's order
//   outlet_rows/settlement/<month>.parquet  the settlement family a file a month, in the same order:
//                                      an incremental publish takes the months before the first one
//                                      it writes over with the month's other settlement files
//   outlet_rows/technician_names.parquet  every technician's name, for the settled tickets
//
// The settled tickets (settlement_lines.json) are the largest family, and their rows are the
// contract table settlement_lines: they are rendered from tables/settlement_lines/<month>.parquet,
// which the publish writes in outlet order within each month for them (data-files.ts), with the
// technicians' names joined as queries/publish/settlement_lines.sql joins them. Written twice,
// they were a third of the publish's biggest lane (7.9M rows, 300 MB, at ten million tickets).
// The statement lines (penalty_lines.json) likewise are rendered from the month files of HR's
// statement inputs, download_rows/penalty_lines/<month>.parquet, written in outlet order for them
// (downloads.ts): written again as a family they were 4.3 s of a lane at ten million tickets, on
// every run, as the family spans the months.
//
// and the server renders an outlet's file when it is asked for (renderOutletFile): the same bytes
// the publish wrote per outlet before (JSON rows by to_json, one a line, `[]` for an outlet without
// rows). Writing a file per outlet and family was a third of the publish at a million tickets
// (thousands of files, each serialised, gzipped and written on every run, as they span the months),
// while an outlet reads only its own. No access rule lists outlet_rows/: only the server reads it.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { parquetColumns, sqlFile, sqlString } from '../common/db.ts';
import { jsonArray } from './data-files.ts';
import { PENALTY_LINES_INPUTS } from './downloads.ts';
import { outletMonthFile, outletMonthFolder, SETTLEMENT_LINES } from './run-folder.ts';
import { LINE_ORDER } from './statements.ts';

const ROOT = 'outlet_rows';

const OUTLETS_FILE = `${ROOT}/outlets.parquet`;


/**
 * Each file of an outlet's folder: its rows' order, and whether every outlet with a folder has it or
 * only those of the settlement (settlement.ts: also an outlet known only from its settlement rows).
 */
export const OUTLET_FILES = {
  'technicians.json': { order: 'month, technician_id, outlet_id', settlement: false },
  'penalties.json': { order: 'month, technician_id', settlement: false },
  'penalty_lines.json': { order: `month, ${LINE_ORDER}`, settlement: false },
  'outlet_penalties.json': { order: 'month, outlet_id, ticket_id, complaint_id, amount', settlement: false },
  'outlet_history.json': { order: 'month, outlet_id', settlement: false },
  // the adjustments booked into each month (audit.ts writes the network-wide month files, in these orders)
  'adjustments.json': { order: 'month, technician_id, original_month, line_id, reason, amount', settlement: false },
  'settlement_adjustments.json': { order: 'month, outlet_id, original_month, line_id, reason, amount', settlement: false },
  'settlement.json': { order: 'month, outlet_id', settlement: true },
  'settlement_lines.json': { order: 'settlement_month, completed_at, ticket_id', settlement: true },
  'settlement_withheld.json': { order: 'completed_at, ticket_id, withheld_from', settlement: true },
} as const;

export type OutletFile = keyof typeof OUTLET_FILES;

const familyName = (file: OutletFile) => file.replace(/\.json$/, '');

const familyFile = (file: OutletFile) => `${ROOT}/${familyName(file)}.parquet`;

/** The folder of a family written a file a month (writeOutletMonthRows; its files: run-folder.ts). */
const familyMonthFolder = (file: OutletFile) => outletMonthFolder(familyName(file));

const MONTH_FILE = /^\d{4}-\d{2}\.parquet$/;

/** A family written a file a month, with no month yet: no row, with the columns its file is ordered by (`[]` for every outlet). */
const noRows = (file: OutletFile) =>
  `(select ${[...new Set(['outlet_id', ...OUTLET_FILES[file].order.split(',').map((column) => column.trim())])].map((column) => `null::varchar as ${column}`).join(', ')} where false)`;

/**
 * Where the settled tickets' rows are: the contract table's month files (in a run folder of format
 * 12, its one file), and the technicians' names beside the families.
 */
const SETTLED_TICKETS = { months: SETTLEMENT_LINES, lines: `${SETTLEMENT_LINES}.parquet`, names: `${ROOT}/technician_names.parquet` } as const;

/** The contract table settlement_lines with no month: no row, its columns the settled tickets read. */
const NO_SETTLEMENT_LINES = `(select ${['settlement_month', 'outlet_id', 'ticket_id', 'line_id', 'technician_id', 'service_type', 'revisit_id']
  .map((column) => `null::varchar as ${column}`)
  .join(', ')}, null::timestamp as completed_at, null::timestamp as revisit_at, null::decimal(18, 2) as fee where false)`;

/** Where the rows files go: the run folder being written (run-folder.ts). */
interface RowsFolder {
  directory(dir: string): void;
  path(file: string): string;
}

/** Writes a family's rows (the relation `from`: a table or a parenthesised query) in outlet order. */
export async function writeOutletRows(connection: DuckDBConnection, folder: RowsFolder, file: OutletFile, from: string): Promise<void> {
  const columns = await parquetColumns(connection, from);
  folder.directory(ROOT);
  await connection.run(`copy (select ${columns} from ${from} order by outlet_id, ${OUTLET_FILES[file].order}) to ${sqlString(folder.path(familyFile(file)))} (format parquet)`);
}

/**
 * Writes the folder of a family written a file a month, and a month's rows (those of `from` whose
 * month is the month), in outlet order. An outlet's file is the rows of every month file there.
 */
export async function writeOutletMonthRows(connection: DuckDBConnection, folder: RowsFolder, file: OutletFile, from: string, months: string[]): Promise<void> {
  const columns = await parquetColumns(connection, from);
  folder.directory(familyMonthFolder(file));
  for (const month of months) {
    await connection.run(
      `copy (select ${columns} from ${from} where month = ${sqlString(month)} order by outlet_id, ${OUTLET_FILES[file].order}) to ${sqlString(folder.path(outletMonthFile(familyName(file), month)))} (format parquet)`,
    );
  }
}

/** Every technician's name, which the outlets' settled tickets are rendered with (SETTLED_TICKETS). */
export async function writeTechnicianNames(connection: DuckDBConnection, folder: RowsFolder): Promise<void> {
  folder.directory(ROOT);
  await connection.run(`copy (select technician_id, name from stg_technicians order by technician_id) to ${sqlString(folder.path(SETTLED_TICKETS.names))} (format parquet)`);
}

/**
 * Writes the outlets with a folder (queries/publish/outlet_ids.sql: `ownFiles`) and those with a
 * settlement row only (`settlementOnly`), both relations with an outlet_id column, and returns
 * their ids as written.
 */
export async function writeOutletList(connection: DuckDBConnection, folder: RowsFolder, ownFiles: string, settlementOnly: string): Promise<string[]> {
  folder.directory(ROOT);
  await connection.run(`
    copy (
      select outlet_id, bool_or(own_files) as own_files
      from (
        select outlet_id, true as own_files from ${ownFiles}
        union all
        select outlet_id, false as own_files from ${settlementOnly}
      )
      where outlet_id is not null
      group by outlet_id
      order by outlet_id
    ) to ${sqlString(folder.path(OUTLETS_FILE))} (format parquet)`);
  const written = await connection.runAndReadAll(`select outlet_id from read_parquet(${sqlString(folder.path(OUTLETS_FILE))})`);
  return written.getRows().map(([id]) => String(id));
}

/** What an outlet file's path asks for: the outlet's folder and the file. */
export interface OutletFilePlan {
  outletFolder: string;
  file: OutletFile;
}

const OUTLET_FILE_PATH = /^by_outlet\/([^/]+)\/([a-z_]+\.json)$/;

/** The plan of a path inside a run folder (by_outlet/W1/technicians.json), or null when it is no outlet file. */
export function outletFilePlan(pathInRun: string): OutletFilePlan | null {
  const match = OUTLET_FILE_PATH.exec(pathInRun);
  if (match === null || !Object.hasOwn(OUTLET_FILES, match[2]!)) return null;
  return { outletFolder: match[1]!, file: match[2] as OutletFile };
}

/** Whether the run folder has its outlets' rows (a run folder of an older format has the files themselves). */
export const hasOutletRows = (runDir: string) => existsSync(join(runDir, OUTLETS_FILE));

/** Every outlet of the run folder with the files of its folder, in outlet order. */
export async function outletFolders(connection: DuckDBConnection, runDir: string): Promise<{ outletId: string; files: OutletFile[] }[]> {
  const rows = (await connection.runAndReadAll(`select outlet_id, own_files from read_parquet(${sqlString(join(runDir, OUTLETS_FILE))}) order by outlet_id`)).getRows();
  const every = Object.keys(OUTLET_FILES) as OutletFile[];
  return rows.map(([id, own]) => ({ outletId: String(id), files: own === true ? every : every.filter((f) => OUTLET_FILES[f].settlement) }));
}

/**
 * Renders an outlet's file of the run folder, on a connection of its own to `instance`: the JSON
 * array of its rows. Null when the run folder has no such outlet, or the outlet no such file (the
 * same as a file that is not there). `folderOf` is the rule that names an outlet's folder (the
 * caller's: the server keeps its own copy).
 */
export async function renderOutletFile(instance: DuckDBInstance, runDir: string, plan: OutletFilePlan, folderOf: (outletId: string) => string): Promise<Buffer | null> {
  const rows = familyRows(runDir, plan.file);
  if (!hasOutletRows(runDir) || rows === null) return null;
  const connection = await instance.connect();
  try {
    const outlet = (await outletFolders(connection, runDir)).find((o) => folderOf(o.outletId) === plan.outletFolder);
    if (outlet === undefined || !outlet.files.includes(plan.file)) return null;
    if (rows.views !== '') await connection.run(rows.views);
    const [[text]] = (await connection.runAndReadAll(
      `select ${jsonArray('to_json(source)::varchar', OUTLET_FILES[plan.file].order)}
       from ${rows.from} as source
       where outlet_id = $1`,
      [outlet.outletId],
    )).getRows() as [[{ bytes: Uint8Array }]];
    return Buffer.from(text.bytes.buffer, text.bytes.byteOffset, text.bytes.byteLength);
  } finally {
    connection.closeSync();
  }
}

/**
 * The rows of a family in the run folder, as a relation (with the temporary views it reads), or
 * null when the run folder has none: its month files, or the family's file (the settlement's, in a
 * run folder of an older format), or for the settled tickets the contract table with the names (a
 * run folder of an older format has their own file).
 */
function familyRows(runDir: string, file: OutletFile): { views: string; from: string } | null {
  const monthFolder = join(runDir, familyMonthFolder(file));
  if (existsSync(monthFolder)) return { views: '', from: monthFilesRows(monthFolder, noRows(file)) };
  const family = join(runDir, familyFile(file));
  if (existsSync(family)) return { views: '', from: `read_parquet(${sqlString(family)})` };
  if (file === 'penalty_lines.json') return statementLineRows(runDir);
  const lines = settledTicketRows(runDir);
  const names = join(runDir, SETTLED_TICKETS.names);
  if (file !== 'settlement_lines.json' || lines === null || !existsSync(names)) return null;
  return {
    views: `create temp view settlement_lines as select * from ${lines};
            create temp view stg_technicians as select * from read_parquet(${sqlString(names)});`,
    from: `(${sqlFile('publish/settlement_lines.sql')})`,
  };
}

/**
 * Every outlet's statement lines: queries/publish/penalty_lines.sql over the months' penalty lines
 * of HR's statement inputs (a run folder of format 14 or before has the family's own file, found
 * first); no month, no row.
 */
function statementLineRows(runDir: string): { views: string; from: string } {
  const folder = join(runDir, PENALTY_LINES_INPUTS);
  const lines = existsSync(folder) ? monthFilesRows(folder, '') : '';
  if (lines === '') return { views: '', from: noRows('penalty_lines.json') };
  return { views: `create temp view penalty_lines as select * from ${lines};`, from: `(${sqlFile('publish/penalty_lines.sql')})` };
}

/** The contract table settlement_lines of the run folder as a relation: its month files, or its one file (format 12); null without. */
function settledTicketRows(runDir: string): string | null {
  const folder = join(runDir, SETTLED_TICKETS.months);
  if (existsSync(folder)) return monthFilesRows(folder, NO_SETTLEMENT_LINES);
  const file = join(runDir, SETTLED_TICKETS.lines);
  return existsSync(file) ? `read_parquet(${sqlString(file)})` : null;
}

/** Every <month>.parquet of a folder as one relation, in month order; `none` when it has none. */
function monthFilesRows(folder: string, none: string): string {
  const months = readdirSync(folder).filter((name) => MONTH_FILE.test(name)).sort();
  return months.length === 0 ? none : `read_parquet([${months.map((name) => sqlString(join(folder, name))).join(', ')}])`;
}
