// Publishes the results as small static files for the dashboard (contract: dashboard/DATA.md):
// a new run folder is written in full under a temporary name, renamed into place, and only then
// does one atomic rename of manifest.json switch readers to it. A reader never sees half a run.
// No file carries customer phone numbers or names: everything published comes from the KPI and
// penalty tables and the data-quality tables, of whose rejected rows only the place, the reason and
// the masked value are published, never the raw line (PUBLISHED_ROWS).
//
// Every file family is one ordered query whose text DuckDB builds (JSON rows, CSV lines, worksheet
// XML), so JavaScript only writes it out; gzip and the XLSX packages are compressed on the thread
// pool meanwhile. An incremental publish hard-links the month files of unchanged months from the
// previous run instead of writing them again.
//
// Which months are unchanged is known from the database, not from this run's build: the months
// every build rewrote stay pending until a manifest reflecting them is in place
// (publish-state.ts), so a publish that failed or was killed is made good by the next one. The
// caller holds the output folder's lock (output.ts): staging folders are pruned here.
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateRaw as deflateRawCallback, gzip as gzipCallback } from 'node:zlib';
import { DuckDBBlobValue, type DuckDBConnection } from '@duckdb/node-api';
import type { Config } from './config.ts';
import { Db, sqlFile, sqlString } from './db.ts';
import { killPoint } from './faults.ts';
import type { FileOutcome } from './load/index.ts';
import { confirmPublished, publishState, type PublishState } from './publish-state.ts';
import { currentBuild } from './transform.ts';

/** The contract tables (spec section 4) and the data-quality tables, in full, as Parquet. */
export const PUBLISHED_TABLES = [
  'kpi_technician_month',
  'kpi_outlet_month',
  'kpi_network_month',
  'penalty_lines',
  'penalty_totals',
  'outlet_penalty_lines',
  'load_batches',
  'load_rejects',
  'load_skipped_files',
  'load_extra_columns',
  'data_orphans',
] as const;

/**
 * The layout and byte format of a run folder. An incremental publish reuses files only from a run
 * of the same format: raise it whenever any published file would come out different.
 */
export const PUBLISH_FORMAT = 2;

export interface Manifest {
  run_id: string;
  published_at: string;
  folder: string;
  /** every month with KPIs or with statements (a month of manual violations only has no KPIs) */
  months: string[];
  /** the latest month with KPIs (the latest month when none has any) */
  latest_month: string | null;
  format: number;
  /** the model build of the database the run folder reflects (publish-state.ts) */
  build_id: string | null;
}

export interface RunInfo {
  runId: string;
  startedAt: string;
  startedMs: number;
  files: FileOutcome[];
  config: Config;
}

const KEEP_RUNS = 3;
const REJECTS_PER_FILE = 200;
const ORPHAN_ROWS = 500;
const BACKLOG_ROWS = 2000;
const BOM = '\uFEFF';
const EMPTY_ARRAY = Buffer.from('[]\n');
/** Page files at least this large get a gzip copy beside them (`.json.gz`) for the server to send as it is. */
export const COMPRESS_FROM_BYTES = 16 * 1024;
// level 3: half the time of the default level 6 for files a fifth larger (pages stay far inside the budget)
const GZIP_LEVEL = 3;
const XLSX_LEVEL = 3;
// output buffer of one gzip call: large, so a file takes few round trips to the thread pool
const GZIP_CHUNK = 256 * 1024;
// a fixed time (2000-01-01 00:00, MS-DOS format) on every entry of a workbook, so that a workbook
// is the same bytes whenever it is built
const ZIP_DATE = ((2000 - 1980) << 9) | (1 << 5) | 1;
const ZIP_TIME = 0;
const TIMESTAMP_FORMAT = '%Y-%m-%d %H:%M:%S';

const gzip = promisify(gzipCallback);
const deflateRaw = promisify(deflateRawCallback);
// SQ_TRACE=1 also prints each publish step with its time
const TRACE = process.env.SQ_TRACE === '1';

async function step<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!TRACE) return work();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await work();
  const used = process.cpuUsage(cpu);
  process.stderr.write(`[publish ${(performance.now() - started).toFixed(0)} ms, cpu ${((used.user + used.system) / 1000).toFixed(0)} ms] ${name}\n`);
  return result;
}

type CellKind = 'text' | 'number' | 'boolean' | 'time';
interface SheetColumn {
  name: string;
  kind: CellKind;
}

/** HR's statement lines: the CSV columns and the 罚款明细 sheet (dashboard/DATA.md). */
const LINE_COLUMNS: SheetColumn[] = [
  { name: 'month', kind: 'text' },
  { name: 'technician_id', kind: 'text' },
  { name: 'outlet_id', kind: 'text' },
  { name: 'rule_id', kind: 'text' },
  { name: 'rule_name_zh', kind: 'text' },
  { name: 'rule_name_en', kind: 'text' },
  { name: 'amount', kind: 'number' },
  { name: 'occurred_at', kind: 'time' },
  { name: 'ticket_id', kind: 'text' },
  { name: 'revisit_id', kind: 'text' },
  { name: 'complaint_id', kind: 'text' },
  { name: 'violation_id', kind: 'text' },
  { name: 'dismissal', kind: 'boolean' },
];

/** HR's monthly totals: the 汇总 sheet, the columns of queries/publish/penalty_totals.sql. */
const TOTAL_COLUMNS: SheetColumn[] = [
  { name: 'month', kind: 'text' },
  { name: 'technician_id', kind: 'text' },
  { name: 'technician_name', kind: 'text' },
  { name: 'outlet_id', kind: 'text' },
  { name: 'outlet_name', kind: 'text' },
  { name: 'violations', kind: 'number' },
  { name: 'amount', kind: 'number' },
  { name: 'violations_ytd', kind: 'number' },
  { name: 'training', kind: 'boolean' },
  { name: 'dismissal_review', kind: 'boolean' },
];

// Row orders are total (ties broken down to the row's identity), so a month file comes out the
// same bytes from any run over the same rows: what lets an incremental publish reuse it.
const LINE_ORDER = 'technician_id, occurred_at, rule_id, ticket_id, revisit_id, complaint_id, violation_id';

/** The JSON page files of one month, by folder: the rows, their order. */
const MONTH_PAGES = [
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

/** Every file of one month, inside the run folder (a `.gz` beside a JSON file where there is one). */
export function monthFiles(month: string): string[] {
  return [
    `technicians/${month}.json`,
    `outlets/${month}.json`,
    `outlet_penalties/${month}.json`,
    `penalties/${month}.json`,
    `penalty_lines/${month}.json`,
    `penalties/${month}.csv`,
    `penalties/${month}.xlsx`,
  ];
}

/**
 * Publishes the tables as a new run folder and switches the manifest to it. The pending months
 * (publish-state.ts) are written; the other months' files are hard-linked from the run the
 * manifest names when the state vouches for that run's build, and written otherwise. Files
 * spanning months are always written again.
 */
export async function publish(db: Db, outDir: string, run: RunInfo): Promise<Manifest> {
  mkdirSync(join(outDir, 'runs'), { recursive: true });
  pruneStaging(outDir);
  const staging = join(outDir, 'runs', `.incomplete-${run.runId}`);
  mkdirSync(staging);
  const folder = new RunFolder(staging);

  const state = await publishState(db, await currentBuild(db));
  const months = (await db.all(sqlFile('publish/months.sql')))
    .map((r) => ({ month: String(r.month), hasKpis: r.has_kpis === true }))
    .sort((a, b) => (a.month < b.month ? -1 : 1));
  const names = months.map((m) => m.month);
  const previous = reusableMonths(outDir, state, names);
  for (const month of previous?.months ?? []) {
    for (const file of monthFiles(month)) {
      folder.link(join(previous!.dir, file), file);
      if (file.endsWith('.json') && existsSync(join(previous!.dir, `${file}.gz`))) folder.link(join(previous!.dir, `${file}.gz`), `${file}.gz`);
    }
  }
  const written = names.filter((m) => !previous?.months.includes(m));
  await writeRunFolder(db, folder, written, written.length === names.length ? 'true' : written.length === 0 ? 'false' : `month in (${written.map(sqlString).join(', ')})`);
  folder.page('run.json', JSON.stringify(runReport(run)) + '\n');
  await step('compression', () => folder.settle());
  killPoint('publish:compression');

  const manifest = switchTo(outDir, staging, run, months, state.buildId);
  killPoint('publish:manifest');
  await confirmPublished(db, state);
  killPoint('publish:cleared');
  pruneOldRuns(outDir, run.runId);
  return manifest;
}

/**
 * The run the manifest names and the months whose files it holds as they would be written now: its
 * build is one the state vouches for, and the month is not pending. Null: nothing is reused.
 */
function reusableMonths(outDir: string, state: PublishState, months: string[]): { dir: string; months: string[] } | null {
  const previous = previousRun(outDir);
  if (previous === null || previous.buildId === null || !state.bases.has(previous.buildId) || state.pending.includes('*')) return null;
  const pending = new Set(state.pending);
  return {
    dir: previous.dir,
    months: months.filter((m) => !pending.has(m) && previous.months.has(m) && monthFiles(m).every((f) => existsSync(join(previous.dir, f)))),
  };
}

/**
 * Every file but run.json, for the months given in full and for the files spanning months.
 *
 * Each query runs on one thread (the tables are a row group or two), so the work goes in lanes on
 * their own connections: the KPI pages on this one, HR's statements on a second, the contract
 * tables on a third. DuckDB's worker threads would only add scheduling to that (a fifth more CPU
 * time, measured): one thread per query while publishing. Temporary views and macros belong to a
 * connection: each lane makes its own.
 */
async function writeRunFolder(db: Db, folder: RunFolder, written: string[], inMonths: string): Promise<void> {
  const threads = await db.value<number>(`select current_setting('threads')`);
  await db.run(`set threads = 1`);
  let lanes: PromiseSettledResult<void>[];
  try {
    const statements = await db.instance.connect();
    const tables = await db.instance.connect();
    try {
      lanes = await Promise.allSettled([
        kpiLane(db, folder, written, inMonths),
        step('penalties', async () => {
          await statementLane(statements, folder, written);
          killPoint('publish:statements');
        }),
        step('tables', async () => {
          await copyTables(tables, folder);
          killPoint('publish:tables');
        }),
      ]);
    } finally {
      statements.closeSync();
      tables.closeSync();
    }
  } finally {
    await db.run(`set threads = ${Number(threads)}`);
  }
  const failed = lanes.find((lane) => lane.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The KPI pages (technicians, histories, outlets, network), quality and backlog. */
async function kpiLane(db: Db, folder: RunFolder, months: string[], inMonths: string): Promise<void> {
  await db.run(
    [
      `create or replace temp view pub_technician_months as ${sqlFile('publish/technician_months.sql')};`,
      `create or replace temp view pub_outlet_months as ${sqlFile('publish/outlet_months.sql')};`,
      `create or replace temp view pub_outlet_penalties as ${sqlFile('publish/outlet_penalties.sql')};`,
    ].join('\n'),
  );
  await step('technicians', () => writeTechnicians(db.connection, folder, months, inMonths));
  killPoint('publish:technicians');
  for (const page of MONTH_PAGES) {
    const bodies = await step(page.folder, () => monthJson(db.connection, page.from, page.order, inMonths));
    for (const month of months) folder.page(`${page.folder}/${month}.json`, bodies.get(month) ?? EMPTY_ARRAY);
  }
  const network = await fileTexts(db.connection, `select 'network', ${jsonArray('to_json(source)::varchar', 'month')} from kpi_network_month as source`);
  folder.page('network.json', network.get('network')?.[0] ?? EMPTY_ARRAY);
  folder.page('quality.json', JSON.stringify(await step('quality', () => qualityReport(db))) + '\n');
  folder.page('backlog.json', JSON.stringify(await step('backlog', () => backlogReport(db))) + '\n');
}

/** HR's statements: the page files, the CSV and the XLSX of each month. */
async function statementLane(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  await connection.run(
    [
      sqlFile('publish/macros.sql'),
      `create or replace temp view pub_penalty_totals as ${sqlFile('publish/penalty_totals.sql')};`,
      `create or replace temp view pub_penalty_lines as ${sqlFile('publish/penalty_lines.sql')};`,
    ].join('\n'),
  );
  await writeStatements(connection, folder, months);
}

/** The run folder into place, then the manifest: each by one rename. */
function switchTo(outDir: string, staging: string, run: RunInfo, months: { month: string; hasKpis: boolean }[], buildId: string | null): Manifest {
  const runFolder = `runs/${run.runId}`;
  rmSync(join(outDir, runFolder), { recursive: true, force: true });
  renameSync(staging, join(outDir, runFolder));
  killPoint('publish:run-folder');
  const manifest: Manifest = {
    run_id: run.runId,
    published_at: localNow(),
    folder: runFolder,
    months: months.map((m) => m.month),
    // the month the pages open on: a month of manual violations only would open on empty KPIs
    latest_month: months.filter((m) => m.hasKpis).at(-1)?.month ?? months.at(-1)?.month ?? null,
    format: PUBLISH_FORMAT,
    build_id: buildId,
  };
  const tmp = join(outDir, `.manifest-${run.runId}.json`);
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(tmp, join(outDir, 'manifest.json'));
  return manifest;
}

/** The run the manifest points at, when it is whole and of this format. */
function previousRun(outDir: string): { dir: string; months: Set<string>; buildId: string | null } | null {
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as Partial<Manifest>;
  } catch {
    return null;
  }
  if (manifest.format !== PUBLISH_FORMAT || typeof manifest.folder !== 'string' || !/^runs\/[^/.][^/]*$/.test(manifest.folder)) return null;
  const dir = join(outDir, manifest.folder);
  if (!existsSync(dir)) return null;
  return { dir, months: new Set(manifest.months ?? []), buildId: typeof manifest.build_id === 'string' ? manifest.build_id : null };
}

/**
 * The run folder being written. Page files get their gzip copy and workbooks their package on the
 * thread pool; settle() waits for all of it and reports the first failure.
 */
class RunFolder {
  private readonly made = new Set<string>();
  private readonly pending: Promise<void>[] = [];
  private failures: unknown[] = [];

  constructor(readonly root: string) {}

  path(file: string): string {
    return join(this.root, file);
  }

  directory(dir: string): void {
    const path = join(this.root, dir);
    if (this.made.has(path)) return;
    mkdirSync(path, { recursive: true });
    this.made.add(path);
  }

  file(file: string, data: string | Buffer): void {
    this.directory(dirname(file));
    writeFileSync(this.path(file), data);
  }

  /** A file a page reads, with a gzip copy beside it when it is large enough to gain from one. */
  page(file: string, text: string | Buffer): void {
    const data = typeof text === 'string' ? Buffer.from(text) : text;
    this.file(file, data);
    if (data.length >= COMPRESS_FROM_BYTES) this.later(gzip(data, { level: GZIP_LEVEL, chunkSize: GZIP_CHUNK }).then((gz) => writeFile(this.path(`${file}.gz`), gz)));
  }

  /** The previous run's file, shared by a hard link (both folders are never changed again). */
  link(from: string, file: string): void {
    this.directory(dirname(file));
    try {
      linkSync(from, this.path(file));
    } catch {
      copyFileSync(from, this.path(file)); // a file system without hard links
    }
  }

  later(work: Promise<unknown>): void {
    this.pending.push(
      work.then(
        () => undefined,
        (e: unknown) => {
          this.failures.push(e);
        },
      ),
    );
  }

  async settle(): Promise<void> {
    await Promise.all(this.pending);
    if (this.failures.length > 0) throw this.failures[0];
  }
}

/** SQL of a JSON array file's text: rows of JSON text, one a line, in order; as a BLOB (see fileTexts). */
function jsonArray(rowJson: string, order: string): string {
  return `encode('[' || coalesce(string_agg(${rowJson}, E',\\n' order by ${order}), '') || E']\\n')`;
}

/** A JSON array per month of rows: month → file text. */
async function monthJson(connection: DuckDBConnection, from: string, order: string, inMonths: string): Promise<Map<string, Buffer>> {
  const rows = await fileTexts(connection, `select month, ${jsonArray('to_json(source)::varchar', order)} from ${from} as source where ${inMonths} group by month`);
  return new Map([...rows].map(([month, [body]]) => [month, body!]));
}

/**
 * technicians/<month>.json and the technician histories, from one serialisation of the rows. The
 * histories are grouped into HISTORY_SHARDS files: a file per technician would be thousands of
 * files, and creating files is what publishing used to spend its time on.
 */
async function writeTechnicians(connection: DuckDBConnection, folder: RunFolder, months: string[], inMonths: string): Promise<void> {
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

/** The contract tables in the order they are stored (the same bytes from the same database; sorting them cost more than the rest of the tables lane). */
async function copyTables(connection: DuckDBConnection, folder: RunFolder): Promise<void> {
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
  load_rejects: `(select batch_id, file, line, "column", reason, mask_phone_numbers(value) as value from load_rejects)`,
};

/**
 * A query's rows keyed by their first column; the other columns are file texts, asked for as BLOBs
 * (`encode(…)`) so that they arrive as the UTF-8 bytes to write, never decoded into JavaScript strings.
 */
async function fileTexts(connection: DuckDBConnection, sql: string): Promise<Map<string, (Buffer | null)[]>> {
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

/**
 * Per month, from one scan of its lines and one of its totals: the statement lines the penalties
 * page reads (penalty_lines/<month>.json), the month's totals (penalties/<month>.json), and HR's
 * CSV and XLSX downloads of the same rows in the same order.
 */
async function writeStatements(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  const csvHeader = Buffer.from(BOM + LINE_COLUMNS.map((c) => c.name).join(',') + '\r\n');
  folder.directory('penalties');
  // a month at a time: a national network's month of statements is tens of MB of text in three
  // forms, and a year of them at once would hold gigabytes
  for (const month of months) {
    const inMonths = `month = ${sqlString(month)}`;
    const lines = await fileTexts(connection, `
    select month,
      ${jsonArray('json_row', 'n')},
      encode(string_agg(${csvLine(LINE_COLUMNS)}, E'\\r\\n' order by n) || E'\\r\\n'),
      encode(string_agg(${sheetRow(LINE_COLUMNS)}, '' order by n))
    from (
      select *, xml_rare(json_row) as rare, (n + 1)::varchar as r
      from (
        select lines.*, to_json(lines)::varchar as json_row, row_number() over (partition by month order by ${LINE_ORDER}) as n
        from pub_penalty_lines as lines
        where ${inMonths}
      )
    )
    group by month`);
    const totals = await fileTexts(connection, `
    select month,
      ${jsonArray('json_row', 'n')},
      encode(string_agg(${sheetRow(TOTAL_COLUMNS)}, '' order by n))
    from (
      select *, xml_rare(json_row) as rare, (n + 1)::varchar as r
      from (
        select totals.*, to_json(totals)::varchar as json_row, row_number() over (partition by month order by technician_id) as n
        from pub_penalty_totals as totals
        where ${inMonths}
      )
    )
    group by month`);
    const [linesJson, csv, lineRows] = lines.get(month) ?? [];
    const [totalsJson, totalRows] = totals.get(month) ?? [];
    folder.page(`penalty_lines/${month}.json`, linesJson ?? EMPTY_ARRAY);
    folder.page(`penalties/${month}.json`, totalsJson ?? EMPTY_ARRAY);
    folder.file(`penalties/${month}.csv`, csv ? Buffer.concat([csvHeader, csv]) : csvHeader);
    folder.later(
      writeXlsx(folder.path(`penalties/${month}.xlsx`), [
        { name: '罚款明细', columns: LINE_COLUMNS, rows: lineRows ?? Buffer.alloc(0) },
        { name: '汇总', columns: TOTAL_COLUMNS, rows: totalRows ?? Buffer.alloc(0) },
      ]),
    );
    // the workbook is zipped on the thread pool while the next month is queried
  }
}

/** A column's value as SQL text (null stays null): times as naive text, numbers as DuckDB prints them. */
function textOf(column: SheetColumn): string {
  if (column.kind === 'time') return `strftime(${column.name}, '${TIMESTAMP_FORMAT}')`;
  return `${column.name}::varchar`;
}

function csvLine(columns: SheetColumn[]): string {
  return `concat_ws(',', ${columns.map((c) => `csv_field(${textOf(c)})`).join(', ')})`;
}

function columnLetter(index: number): string {
  let letters = '';
  for (let i = index + 1; i > 0; i = Math.floor((i - 1) / 26)) letters = String.fromCharCode(65 + ((i - 1) % 26)) + letters;
  return letters;
}

/**
 * A worksheet row as SQL text, over the columns r (the row number as text: data rows start under
 * the header) and rare (xml_rare of the row). concat() leaves out the cells of missing values.
 */
function sheetRow(columns: SheetColumn[]): string {
  const cells = columns.map((c, i) => {
    const col = `'${columnLetter(i)}'`;
    if (c.kind === 'number') return `xlsx_number(${col}, r, ${c.name})`;
    if (c.kind === 'boolean') return `xlsx_boolean(${col}, r, ${c.name})`;
    return `xlsx_text(${col}, r, ${textOf(c)}, rare)`;
  });
  return `concat('<row r="', r, '">', ${cells.join(', ')}, '</row>')`;
}

interface Sheet {
  name: string;
  columns: SheetColumn[];
  /** the data rows' XML */
  rows: Buffer;
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

function xmlEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/**
 * A workbook (SpreadsheetML package) of the sheets: a bold header row of the column names, numbers
 * and booleans as such, everything else as inline text. The smallest package Excel, LibreOffice and
 * exceljs open: content types, relationships, workbook, styles, sheets.
 */
async function writeXlsx(path: string, sheets: Sheet[]): Promise<void> {
  const parts: [string, string | Buffer][] = [
    [
      '[Content_Types].xml',
      `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
        sheets.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('') +
        '</Types>',
    ],
    [
      '_rels/.rels',
      `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
        '</Relationships>',
    ],
    [
      'xl/workbook.xml',
      `${XML_HEAD}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets>` +
        sheets.map((s, i) => `<sheet name="${xmlEscape(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') +
        '</sheets></workbook>',
    ],
    [
      'xl/_rels/workbook.xml.rels',
      `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
        sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
        `<Relationship Id="rId${sheets.length + 1}" Type="${REL_NS}/styles" Target="styles.xml"/>` +
        '</Relationships>',
    ],
    [
      'xl/styles.xml',
      `${XML_HEAD}<styleSheet xmlns="${MAIN_NS}">` +
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>' +
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>' +
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
        '</styleSheet>',
    ],
  ];
  sheets.forEach((sheet, i) => parts.push([`xl/worksheets/sheet${i + 1}.xml`, worksheetXml(sheet)]));
  await writeFile(path, await zipArchive(parts.map(([name, data]) => [name, typeof data === 'string' ? Buffer.from(data) : data])));
}

/**
 * A ZIP archive of the entries, deflated on the thread pool. The package format needs no more than
 * the classic archive (no ZIP64: a month's workbook is a few MB); every entry carries the same
 * fixed time, so the same entries always make the same bytes.
 */
async function zipArchive(entries: [string, Buffer][]): Promise<Buffer> {
  const compressed = await Promise.all(entries.map(([, data]) => deflateRaw(data, { level: XLSX_LEVEL })));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  entries.forEach(([name, data], i) => {
    const fileName = Buffer.from(name);
    const body = compressed[i]!;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); // local file header
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(8, 8); // method: deflate
    local.writeUInt16LE(ZIP_TIME, 10);
    local.writeUInt16LE(ZIP_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); // central directory header
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6); // version needed
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(ZIP_TIME, 12);
    central.writeUInt16LE(ZIP_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    // extra, comment, disk, internal and external attributes: all zero (30-41)
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, body);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + body.length;
  });
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function worksheetXml(sheet: Sheet): Buffer {
  const widths = sheet.columns.map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${Math.max(12, c.name.length + 2)}" customWidth="1"/>`).join('');
  const header = sheet.columns.map((c, i) => `<c r="${columnLetter(i)}1" t="inlineStr" s="1"><is><t>${xmlEscape(c.name)}</t></is></c>`).join('');
  return Buffer.concat([
    Buffer.from(
      `${XML_HEAD}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
        `<sheetFormatPr defaultRowHeight="15"/><cols>${widths}</cols>` +
        `<sheetData><row r="1">${header}</row>`,
    ),
    sheet.rows,
    Buffer.from('</sheetData></worksheet>'),
  ]);
}

async function qualityReport(db: Db): Promise<unknown> {
  return {
    files: await db.all(`select batch_id, file_name, kind, encoding, rows_read, rows_loaded, rows_rejected, strftime(loaded_at, '%Y-%m-%d %H:%M:%S') as loaded_at from load_batches order by batch_id`),
    reject_reasons: await db.all(`select file, reason, count(*) as rows from load_rejects group by all order by file, reason`),
    // where each rejected row is and why, never its raw line (see PUBLISHED_ROWS)
    rejects: await db.all(`
      select file, line, "column", reason, mask_phone_numbers(value) as value
      from load_rejects
      qualify row_number() over (partition by file order by line, "column", reason, value) <= ${REJECTS_PER_FILE}
      order by file, line, "column", reason, value`),
    rejects_truncated: (await db.value<number>(`select count(*) from (select file from load_rejects group by file having count(*) > ${REJECTS_PER_FILE})`)) > 0,
    orphans: Object.fromEntries(
      (await db.all(`select kinds.kind, count(orphans.kind) as n from (values ('revisits'), ('complaints')) as kinds(kind) left join data_orphans as orphans using (kind) group by kinds.kind`)).map((r) => [r.kind, r.n]),
    ),
    orphan_rows: await db.all(`select kind, record_id, ticket_id, strftime(event_at, '%Y-%m-%d %H:%M:%S') as event_at from data_orphans order by kind, event_at, record_id limit ${ORPHAN_ROWS}`),
    skipped_files: await db.all(`select file, reason, strftime(max(seen_at), '%Y-%m-%d %H:%M:%S') as seen_at from load_skipped_files group by file, reason order by file, reason`),
    extra_columns: await db.all(`select distinct file, column_name from load_extra_columns order by file, column_name`),
  };
}

async function backlogReport(db: Db): Promise<unknown> {
  await db.run(`create or replace temp table pub_backlog as ${sqlFile('publish/backlog.sql')}`);
  const asOf = await db.value<string | null>(`select strftime(max(as_of), '%Y-%m-%d %H:%M:%S') from pub_backlog`);
  return {
    as_of: asOf ?? null,
    total: await db.value<number>(`select count(*) from pub_backlog`),
    by_outlet: await db.all(`
      select backlog.outlet_id, outlets.name as outlet_name,
             count(*) filter (where state = 'open') as open, count(*) filter (where state = 'overdue') as overdue
      from pub_backlog as backlog left join stg_outlets as outlets using (outlet_id)
      group by all order by overdue desc, open desc, backlog.outlet_id`),
    rows: await db.all(`
      select ticket_id, outlet_id, technician_id, service_type,
             strftime(completed_at, '%Y-%m-%d %H:%M:%S') as completed_at, strftime(window_end, '%Y-%m-%d %H:%M:%S') as window_end,
             hours_since_completion, state, attempts, strftime(last_attempt_at, '%Y-%m-%d %H:%M:%S') as last_attempt_at
      from pub_backlog order by completed_at, ticket_id limit ${BACKLOG_ROWS}`),
  };
}

function runReport(run: RunInfo): unknown {
  const c = run.config;
  return {
    run_id: run.runId,
    started_at: run.startedAt,
    finished_at: localNow(),
    seconds: Math.round(performance.now() - run.startedMs) / 1000,
    inputs: run.files.map((f) => ({
      file_name: f.file,
      kind: f.status === 'skipped' ? null : f.kind,
      encoding: f.status === 'loaded' ? f.encoding : null,
      status: f.status,
      rows_read: f.status === 'loaded' ? f.rowsRead : null,
      rows_loaded: f.status === 'loaded' ? f.rowsLoaded : null,
      rows_rejected: f.status === 'loaded' ? f.rowsRejected : null,
      reason: f.status === 'skipped' ? f.reason : null,
    })),
    config: {
      revisit_window_hours: c.revisit.window_hours,
      revisit_window_hours_by_service_type: c.revisit.window_hours_by_service_type,
      reschedule_notice_minutes: c.on_time.reschedule_notice_minutes,
      grace_minutes: c.on_time.grace_minutes,
      technician_min_tickets: c.ranking.technician_min_tickets,
      outlet_min_tickets: c.ranking.outlet_min_tickets,
      composite_weights: c.ranking.composite_weights,
      complaint_rate_scale: c.ranking.complaint_rate_scale,
      training_violations_per_month: c.escalation.training_violations_per_month,
      training_violations_per_year: c.escalation.training_violations_per_year,
      outlet_overcharge_multiplier: c.outlet_overcharge_multiplier,
      penalty_rules: c.penalty_rules.map((r) => ({ rule_id: r.rule_id, name_zh: r.name_zh, name_en: r.name_en, amount: r.amount, dismissal: r.dismissal, enabled: r.enabled })),
    },
  };
}

/** Keep the newest few runs for readers still holding the previous manifest. */
function pruneOldRuns(outDir: string, current: string): void {
  const runs = readdirSync(join(outDir, 'runs')).filter((d) => !d.startsWith('.')).sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - KEEP_RUNS))) {
    if (old !== current) rmSync(join(outDir, 'runs', old), { recursive: true, force: true });
  }
}

/** What failed or killed publishes left: run folders never finished, manifests never switched. Only under the lock. */
function pruneStaging(outDir: string): void {
  for (const e of readdirSync(join(outDir, 'runs')).filter((d) => d.startsWith('.incomplete-'))) {
    rmSync(join(outDir, 'runs', e), { recursive: true, force: true });
  }
  for (const e of readdirSync(outDir).filter((f) => f.startsWith('.manifest-'))) rmSync(join(outDir, e), { force: true });
}

/** Naive local time, as everything else in the product. */
export function localNow(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
