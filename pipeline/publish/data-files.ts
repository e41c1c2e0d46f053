// The data files the pages read, each family one ordered query whose text DuckDB builds (JSON
// rows as BLOBs), so JavaScript only writes it out: technicians per month and their histories,
// outlets, outlet fines, the network, and the contract tables as Parquet.
import { DuckDBBlobValue, type DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../common/db.ts';
import type { RunFolder } from './run-folder.ts';

/** The contract tables (spec section 4) and the data-quality tables, in full, as Parquet. */
export const PUBLISHED_TABLES = [
  'kpi_technician_month',
  'kpi_outlet_month',
  'kpi_network_month',
  'penalty_lines',
  'penalty_totals',
  'outlet_penalty_lines',
  'settlement_lines',
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

// history shards serialised per query (their texts are held until written)
const SHARDS_AT_A_TIME = 8;

/**
 * The history file of a technician: FNV-1a (32-bit) of the id's UTF-8 bytes, modulo the shard
 * count, as two digits. The pages compute the same (dashboard/src/lib/data.ts).
 */
export function historyShard(technicianId: string): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(technicianId, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return String(hash % HISTORY_SHARDS).padStart(2, '0');
}

/** SQL of a JSON array file's text: rows of JSON text, one a line, in order; as a BLOB (see fileTexts). */
export function jsonArray(rowJson: string, order: string): string {
  return `encode('[' || coalesce(string_agg(${rowJson}, E',\\n' order by ${order}), '') || E']\\n')`;
}

/** A JSON array per month of rows: month → file text. */
export async function monthJson(connection: DuckDBConnection, from: string, order: string, inMonths: string): Promise<Map<string, Buffer>> {
  const rows = await fileTexts(connection, `select month, ${jsonArray('to_json(source)::varchar', order)} from ${from} as source where ${inMonths} group by month`);
  return new Map([...rows].map(([month, [body]]) => [month, body!]));
}

/**
 * technicians/<month>.json and the technician histories, from one serialisation of the rows. The
 * histories are grouped into HISTORY_SHARDS files: a file per technician would be thousands of
 * files, and creating files is what publishing used to spend its time on.
 */
export async function writeTechnicians(connection: DuckDBConnection, folder: RunFolder, months: string[], inMonths: string): Promise<void> {
  await connection.run(`create or replace temp table pub_technician_json as select month, technician_id, outlet_id, to_json(source)::varchar as row_json from pub_technician_months as source`);
  // a month (and below, a few shards) at a time: at tens of thousands of technicians the texts of
  // every file at once would be hundreds of MB held together
  for (const month of months) {
    const bodies = await fileTexts(connection, `select month, ${jsonArray('row_json', 'technician_id, outlet_id')} from pub_technician_json where month = ${sqlString(month)} group by month`);
    folder.page(`technicians/${month}.json`, bodies.get(month)?.[0] ?? EMPTY_ARRAY);
  }

  const ids = (await connection.runAndReadAll(`select distinct technician_id from pub_technician_json where technician_id is not null`)).getRows().map(([id]) => String(id));
  await connection.run(`create or replace temp table pub_history_shards (technician_id varchar, shard varchar)`);
  const appender = await connection.createAppender('pub_history_shards', 'main', 'temp');
  for (const id of ids) {
    appender.appendVarchar(id);
    appender.appendVarchar(historyShard(id));
    appender.endRow();
  }
  appender.closeSync();
  const names = Array.from({ length: HISTORY_SHARDS }, (_, shard) => String(shard).padStart(2, '0'));
  for (let from = 0; from < names.length; from += SHARDS_AT_A_TIME) {
    const group = names.slice(from, from + SHARDS_AT_A_TIME);
    const shards = await fileTexts(connection, `
      select shards.shard, ${jsonArray('rows.row_json', 'rows.technician_id, rows.month, rows.outlet_id')}
      from pub_technician_json as rows
      join pub_history_shards as shards using (technician_id)
      where shards.shard in (${group.map(sqlString).join(', ')})
      group by shards.shard`);
    for (const name of group) folder.page(`technician_history/${name}.json`, shards.get(name)?.[0] ?? EMPTY_ARRAY);
  }
  await connection.run(`drop table pub_technician_json; drop table pub_history_shards`);
}

/**
 * The contract tables in the order they are stored (the same bytes from the same database; sorting
 * them cost more than the rest of the tables lane), but settlement_lines in outlet order: the
 * outlets' settled tickets are rendered from it (outlet-rows.ts).
 */
export async function copyTables(connection: DuckDBConnection, folder: RunFolder): Promise<void> {
  folder.directory('tables');
  for (const table of PUBLISHED_TABLES) {
    await connection.run(`copy ${PUBLISHED_ROWS[table] ?? table} to ${sqlString(folder.path(`tables/${table}.parquet`))} (format parquet)`);
  }
}

/**
 * What is published of a table when not all of it: of a rejected row, where it is and why, and
 * the rejected cell's value as the loader stored it to be shown (sensitive columns masked, phone
 * numbers masked again here for rows stored before that rule); never the raw line, which may hold
 * a customer's name or remarks and stays in the database.
 */
const PUBLISHED_ROWS: Partial<Record<(typeof PUBLISHED_TABLES)[number], string>> = {
  // an outlet's rows together, in the order of its settlement_lines.json (outlet-rows.ts)
  settlement_lines: `(select * from settlement_lines order by outlet_id, settlement_month, completed_at, ticket_id)`,
  load_rejects: `(select batch_id, file, line, "column", reason, mask_phone_numbers(value) as value from load_rejects)`,
};

/**
 * A query's rows keyed by their first column; the other columns are file texts, asked for as BLOBs
 * (`encode(…)`) so that they arrive as the UTF-8 bytes to write, never decoded into JavaScript strings.
 */
export async function fileTexts(connection: DuckDBConnection, sql: string): Promise<Map<string, (Buffer | null)[]>> {
  const reader = await connection.runAndReadAll(sql);
  const out = new Map<string, (Buffer | null)[]>();
  for (const [key, ...values] of reader.getRows()) {
    out.set(
      String(key),
      values.map((v) => (v instanceof DuckDBBlobValue ? Buffer.from(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength) : v === null ? null : Buffer.from(String(v)))),
    );
  }
  return out;
}
