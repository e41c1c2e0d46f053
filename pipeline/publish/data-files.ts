// The data files the pages read, each file one ordered query that DuckDB writes out itself
// (writeJsonFile): technicians per month and their histories, outlets, outlet fines, the network,
// and the contract tables as Parquet.
import { dirname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../common/db.ts';
import { OUTLET_READ_ROW_GROUP } from './downloads.ts';
import { type RunFolder, SETTLEMENT_LINES, settlementLinesFile } from './run-folder.ts';

/**
 * The contract tables (spec section 4) and the data-quality tables, in full, as Parquet; but
 * settlement_lines, the largest, a file a month (writeSettlementLines).
 */
export const PUBLISHED_TABLES = [
  'kpi_technician_month',
  'kpi_outlet_month',
  'kpi_network_month',
  'penalty_lines',
  'penalty_totals',
  'outlet_penalty_lines',
  'settlement_totals',
  'month_closes',
  'penalty_adjustments',
  'settlement_adjustments',
  'appeals',
  'load_batches',
  'load_rejects',
  'load_skipped_files',
  'load_extra_columns',
  'data_orphans',
] as const;

export const EMPTY_ARRAY = Buffer.from('[]\n');

/** The JSON page files of one month, by folder: the rows, their order. */
export const MONTH_PAGES = [
  { folder: 'outlets', from: 'pub_outlet_months', order: 'outlet_rank nulls last, outlet_id' },
  { folder: 'outlet_penalties', from: 'pub_outlet_penalties', order: 'outlet_id, ticket_id, complaint_id, amount' },
] as const;

/** Technician histories are grouped into this many files (technician_history/00.json … 31.json). */
export const HISTORY_SHARDS = 32;

/**
 * The history file of a technician: FNV-1a (32-bit) of the id's UTF-8 bytes, modulo the shard
 * count, as two digits. The pages compute the same (dashboard/src/lib/data.ts).
 */
export function historyShard(technicianId: string): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(technicianId, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return String(hash % HISTORY_SHARDS).padStart(2, '0');
}

/** SQL of a JSON array file's text: rows of JSON text, one a line, in order; as a BLOB (the files the server makes on request). */
export function jsonArray(rowJson: string, order: string): string {
  return `encode('[' || coalesce(string_agg(${rowJson}, E',\\n' order by ${order}), '') || E']\\n')`;
}

/** A row's JSON text: every column of the relation `source`. */
export const ROW_JSON = 'to_json(source)::varchar';

/**
 * A variable of the connection (the lane's own) holding the months given, as a list: what a lane's
 * queries filter by, with list_contains(getvariable(…), month). DuckDB pushes that filter into the
 * scans below aggregates and unnests, and an IN over a table of the months it does not (1M tickets,
 * a month onto the history: the flags' reasons of three months 45 ms against 200 ms).
 */
export async function monthsVariable(connection: DuckDBConnection, name: string, months: string[]): Promise<void> {
  await connection.run(`set variable ${name} = case when $1 = '' then []::varchar[] else string_split($1, ',') end`, [months.join(',')]);
}

/** The rows of a JSON array file: each row's JSON text (of the relation `source`), the relation, which rows, their order (total). */
export interface JsonRows {
  json: string;
  from: string;
  where?: string;
  order: string;
}

/**
 * Writes a JSON array file the pages read by DuckDB's own CSV writer (one column, never quoted): `[`
 * before the first row, `,` after every row but the last and `]` after it, a row a line; `[]` when
 * there is none. The bytes jsonArray makes. Written row by row: building each file's text as one
 * string and handing it to JavaScript held every text several times over, outside DuckDB's memory
 * limit (10M tickets: the technicians' month files took 1.8 s and 500 MB of RSS that way, 0.6 s and
 * 240 MB this way).
 */
export async function writeJsonFile(connection: DuckDBConnection, folder: RunFolder, file: string, rows: JsonRows): Promise<void> {
  folder.directory(dirname(file));
  const written = await connection.run(`
    copy (
      select case when position = 1 then '[' else '' end || row_json || case when position = row_count then ']' else ',' end
      from (
        select ${rows.json} as row_json, row_number() over (order by ${rows.order}) as position, count(*) over () as row_count
        from ${rows.from} as source
        ${rows.where === undefined ? '' : `where ${rows.where}`}
      )
      order by position
    ) to ${sqlString(folder.path(file))} (format csv, header false, quote '', escape '')`);
  if (written.rowsChanged === 0) folder.page(file, EMPTY_ARRAY);
  else folder.written(file);
}

/** A JSON array file per month given, <dir>/<month>.json, of the rows of that month. */
export async function writeMonthFiles(connection: DuckDBConnection, folder: RunFolder, dir: string, months: string[], rows: JsonRows): Promise<void> {
  for (const month of months) {
    const inMonth = `month = ${sqlString(month)}`;
    await writeJsonFile(connection, folder, `${dir}/${month}.json`, { ...rows, where: rows.where === undefined ? inMonth : `${inMonth} and (${rows.where})` });
  }
}

/**
 * technicians/<month>.json and the technician histories, from one serialisation of the rows. The
 * histories are grouped into HISTORY_SHARDS files: a file per technician would be thousands of
 * files, and creating files is what publishing used to spend its time on.
 */
export async function writeTechnicians(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  // each technician's shard, by the rule the pages compute (historyShard)
  const ids = (await connection.runAndReadAll(`select distinct technician_id from pub_technician_months where technician_id is not null`)).getRows();
  await connection.run(`create or replace temp table pub_history_shards (technician_id varchar, shard varchar)`);
  const appender = await connection.createAppender('pub_history_shards', 'main', 'temp');
  for (const [id] of ids) {
    appender.appendVarchar(String(id));
    appender.appendVarchar(historyShard(String(id)));
    appender.endRow();
  }
  appender.closeSync();
  await connection.run(`
    create or replace temp table pub_technician_json as
    select source.month, source.technician_id, source.outlet_id, shards.shard, ${ROW_JSON} as row_json
    from pub_technician_months as source
    left join pub_history_shards as shards
      on shards.technician_id = source.technician_id`);
  await writeMonthFiles(connection, folder, 'technicians', months, { json: 'row_json', from: 'pub_technician_json', order: 'technician_id, outlet_id' });
  for (let shard = 0; shard < HISTORY_SHARDS; shard++) {
    const name = String(shard).padStart(2, '0');
    await writeJsonFile(connection, folder, `technician_history/${name}.json`, { json: 'row_json', from: 'pub_technician_json', where: `shard = '${name}'`, order: 'technician_id, month, outlet_id' });
  }
  await connection.run(`drop table pub_technician_json; drop table pub_history_shards`);
}

/**
 * The contract tables in the order they are stored (the same bytes from the same database; sorting
 * them cost more than the rest of the tables lane).
 */
export async function copyTables(connection: DuckDBConnection, folder: RunFolder): Promise<void> {
  folder.directory('tables');
  for (const table of PUBLISHED_TABLES) {
    await connection.run(`copy ${PUBLISHED_ROWS[table] ?? table} to ${sqlString(folder.path(`tables/${table}.parquet`))} (format parquet)`);
  }
}

/**
 * The contract table settlement_lines of the months given, a file a settlement month, each in outlet
 * order (outlet_id, completed_at, ticket_id): the outlets' settled tickets are rendered from them
 * (outlet-rows.ts). A month's lines change only when the month is written again, so an incremental
 * publish takes the others over (monthFiles); at ten million tickets the table is 7.9M rows, and
 * sorted whole it was the largest step of its lane. Small row groups (OUTLET_READ_ROW_GROUP): an
 * outlet's rows of a month are read from one or two of them (at 10M an outlet's file in 37 ms;
 * 105 ms with DuckDB's default of 122,880 rows, 13 months of them; the same bytes on disk).
 */
export async function writeSettlementLines(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  folder.directory(SETTLEMENT_LINES);
  for (const month of months) {
    await connection.run(
      `copy (select * from settlement_lines where settlement_month = ${sqlString(month)} order by outlet_id, completed_at, ticket_id) to ${sqlString(folder.path(settlementLinesFile(month)))} (format parquet, row_group_size ${OUTLET_READ_ROW_GROUP})`,
    );
  }
}

/**
 * What is published of a table when not all of it: of a rejected row, where it is and why, and
 * the rejected cell's value as the loader stored it to be shown (sensitive columns masked, phone
 * numbers masked again here for rows stored before that rule); never the raw line, which may hold
 * a customer's name or remarks and stays in the database.
 */
const PUBLISHED_ROWS: Partial<Record<(typeof PUBLISHED_TABLES)[number], string>> = {
  load_rejects: `(select batch_id, file, line, "column", reason, mask_phone_numbers(value) as value from load_rejects)`,
};
