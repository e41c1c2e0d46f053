// What a build leaves for the next one: the fingerprint of what the tables were built with (config,
// SQL, build logic), the last load batch they saw, and the build id the publish state refers to.
import { createHash } from 'node:crypto';
import { type Db, sqlFile } from '../common/db.ts';
import { CONFIG_VARIABLES } from './config-variables.ts';
import { MODELS } from './models.ts';

/**
 * Where the build keeps what it needs to know next time: the fingerprint of what the tables were
 * built with, and the id of the build (a new one whenever the tables change; the manifest names the
 * build it was published from, see publish-state.ts).
 */
export const BUILD_STATE_TABLE = 'model_build_state';
/** Raise when the build logic here changes in a way the SQL texts do not show: the next build is then full. */
// 2: the build id and the publish state; 3: the linking models first (repeats), settlement months published;
// 4: the close (frozen months, adjustments booked in the first open month) and appeal rejects
const BUILD_LOGIC_VERSION = 4;

/** The config, the SQL of every model and macro, and the build logic, as one hash. */
export async function buildFingerprint(db: Db): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`build logic ${BUILD_LOGIC_VERSION}\n`);
  for (const file of ['macros.sql', ...MODELS.map((m) => m.file)]) hash.update(`${file}\n${sqlFile(file)}\n`);
  const variables = await db.all(
    `select name, value::varchar as value from duckdb_variables() where name in (${CONFIG_VARIABLES.map((n) => `'${n}'`).join(', ')}) order by name`,
  );
  const rules = await db.all(`select * from cfg_penalty_rules order by all`);
  const windows = await db.all(`select * from cfg_revisit_windows order by all`);
  const fees = await db.all(`select service_type, fee::varchar as fee from cfg_settlement_fees order by all`);
  hash.update(JSON.stringify({ variables, rules, windows, fees }));
  return hash.digest('hex');
}

/** A model build has run on this database (the next one may be incremental). */
export async function modelsBuiltBefore(db: Db): Promise<boolean> {
  return (await tableNames(db)).has(BUILD_STATE_TABLE);
}

/** The id of the build the tables are (null: none recorded, as before build ids). */
export async function currentBuild(db: Db): Promise<string | null> {
  if (!(await modelsBuiltBefore(db))) return null;
  const columns = await db.all(`select column_name from duckdb_columns() where database_name = current_database() and table_name = '${BUILD_STATE_TABLE}' and column_name = 'build_id'`);
  if (columns.length === 0) return null;
  return (await db.value<string | null>(`select build_id from ${BUILD_STATE_TABLE}`)) ?? null;
}

export async function previousBuild(db: Db): Promise<{ fingerprint: string; lastBatch: number } | undefined> {
  if (!(await modelsBuiltBefore(db))) return undefined;
  const rows = await db.all(`select fingerprint, last_batch_id from ${BUILD_STATE_TABLE}`);
  const row = rows[0];
  return row ? { fingerprint: String(row.fingerprint), lastBatch: Number(row.last_batch_id ?? 0) } : undefined;
}

/** The latest load batch that stored rows (0: none, or no load log). */
export async function loadedBatch(db: Db): Promise<number> {
  if (!(await tableNames(db)).has('load_batches')) return 0;
  return Number((await db.value(`select coalesce(max(batch_id), 0) from load_batches where rows_loaded > 0`)) ?? 0);
}

export async function modelsExist(db: Db): Promise<boolean> {
  const tables = await tableNames(db);
  const views = await viewNames(db);
  return MODELS.every((m) => (m.materialized === 'view' ? views : tables).has(m.name));
}

export async function tableNames(db: Db): Promise<Set<string>> {
  const rows = await db.all(`select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'main'`);
  return new Set(rows.map((r) => String(r.table_name)));
}

export async function viewNames(db: Db): Promise<Set<string>> {
  const rows = await db.all(`select view_name from duckdb_views() where database_name = current_database() and schema_name = 'main'`);
  return new Set(rows.map((r) => String(r.view_name)));
}
