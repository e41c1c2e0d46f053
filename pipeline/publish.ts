// Publishes the results as small static files for the dashboard (contract: dashboard/DATA.md):
// a new run folder is written in full under a temporary name, renamed into place, and only then
// does one atomic rename of manifest.json switch readers to it. A reader never sees half a run.
// No file carries customer phone numbers or names: everything published comes from the KPI and
// penalty tables and the data-quality tables, whose raw lines are masked at load.
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import type { Config } from './config.ts';
import { Db, sqlFile, sqlString } from './db.ts';
import type { FileOutcome } from './load.ts';

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

export interface Manifest {
  run_id: string;
  published_at: string;
  folder: string;
  months: string[];
  latest_month: string | null;
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
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export async function publish(db: Db, outDir: string, run: RunInfo): Promise<Manifest> {
  mkdirSync(join(outDir, 'runs'), { recursive: true });
  const staging = join(outDir, 'runs', `.incomplete-${run.runId}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);

  await db.run(`create or replace temp view pub_technician_months as ${sqlFile('publish/technician_months.sql')}`);
  await db.run(`create or replace temp view pub_outlet_months as ${sqlFile('publish/outlet_months.sql')}`);
  await db.run(`create or replace temp view pub_penalty_totals as ${sqlFile('publish/penalty_totals.sql')}`);
  await db.run(`create or replace temp view pub_penalty_lines as ${sqlFile('publish/penalty_lines.sql')}`);
  await db.run(`create or replace temp view pub_outlet_penalties as ${sqlFile('publish/outlet_penalties.sql')}`);

  const months = (await db.all(`select month from kpi_network_month order by month`)).map((r) => String(r.month));

  // the contract tables in full, for other tools
  mkdirSync(join(staging, 'tables'));
  for (const table of PUBLISHED_TABLES) {
    await db.run(`copy (select * from ${table} order by all) to ${sqlString(join(staging, 'tables', `${table}.parquet`))} (format parquet)`);
  }

  // page data: one file per month (and per technician where a page opens one)
  await writeJsonArray(db, `select * from kpi_network_month order by month`, join(staging, 'network.json'));
  await writeGrouped(db, `select * from pub_technician_months order by month, technician_id`, ['month'], (k) => join(staging, 'technicians', `${k[0]}.json`), months);
  await writeGrouped(db, `select * from pub_technician_months order by technician_id, month`, ['technician_id'], (k) => join(staging, 'technician_history', `${fileId(k[0]!)}.json`));
  await writeGrouped(db, `select * from pub_outlet_months order by month, outlet_rank nulls last, outlet_id`, ['month'], (k) => join(staging, 'outlets', `${k[0]}.json`), months);
  await writeGrouped(db, `select * from pub_penalty_totals order by month, technician_id`, ['month'], (k) => join(staging, 'penalties', `${k[0]}.json`), months);
  await writeGrouped(
    db,
    `select * from pub_penalty_lines order by month, technician_id, occurred_at, rule_id`,
    ['month', 'technician_id'],
    (k) => join(staging, 'penalty_lines', k[0]!, `${fileId(k[1]!)}.json`),
  );
  await writeGrouped(db, `select * from pub_outlet_penalties order by month, outlet_id, ticket_id`, ['month'], (k) => join(staging, 'outlet_penalties', `${k[0]}.json`), months);

  for (const month of months) {
    await writePenaltyCsv(db, month, join(staging, 'penalties', `${month}.csv`));
    await writePenaltyXlsx(db, month, join(staging, 'penalties', `${month}.xlsx`));
  }

  writeJson(join(staging, 'quality.json'), await qualityReport(db));
  writeJson(join(staging, 'backlog.json'), await backlogReport(db));
  writeJson(join(staging, 'run.json'), runReport(run));

  // the switch: the folder first, then the manifest, each by one rename
  const folder = `runs/${run.runId}`;
  rmSync(join(outDir, folder), { recursive: true, force: true });
  renameSync(staging, join(outDir, folder));
  const manifest: Manifest = {
    run_id: run.runId,
    published_at: localNow(),
    folder,
    months,
    latest_month: months.at(-1) ?? null,
  };
  const tmp = join(outDir, `.manifest-${run.runId}.json`);
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(tmp, join(outDir, 'manifest.json'));

  pruneOldRuns(outDir, run.runId);
  return manifest;
}

/**
 * An id as a file name (the rule of dashboard/DATA.md, which the pages follow): letters, digits,
 * '_' and '-' are kept; anything else is percent-encoded, and so is '.', so that no name starts
 * with a dot or walks out of its folder.
 */
export function fileId(id: string): string {
  return /^[A-Za-z0-9_-]+$/.test(id) ? id : encodeURIComponent(id).replaceAll('.', '%2E');
}

async function writeJsonArray(db: Db, sql: string, path: string): Promise<void> {
  await db.run(`copy (${sql}) to ${sqlString(path)} (format json, array true)`);
}

/**
 * Streams a query ordered by its key columns and writes one JSON array file per key, each row
 * serialised by DuckDB (to_json), so the JavaScript side only concatenates text. Months in
 * `emptyFor` get an empty array when they have no rows, so a page never meets a missing file.
 */
async function writeGrouped(db: Db, sql: string, keys: string[], pathFor: (key: string[]) => string, emptyFor: string[] = []): Promise<void> {
  const keyList = keys.map((k) => `source.${k}::varchar`).join(', ');
  const result = await db.connection.stream(`select ${keyList}, to_json(source) from (${sql}) as source`);
  let currentKey: string | null = null;
  let current: string[] = [];
  const written = new Set<string>();
  const flush = () => {
    if (currentKey === null) return;
    const key = JSON.parse(currentKey) as string[];
    const path = pathFor(key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `[${current.join(',\n')}]\n`);
    written.add(key[0]!);
  };
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (const row of chunk.getRows()) {
      const key = JSON.stringify(row.slice(0, keys.length));
      if (key !== currentKey) {
        flush();
        currentKey = key;
        current = [];
      }
      current.push(String(row[keys.length]));
    }
  }
  flush();
  for (const month of emptyFor) {
    if (written.has(month)) continue;
    const path = pathFor([month]);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '[]\n');
  }
}

const LINE_COLUMNS = 'month, technician_id, outlet_id, rule_id, rule_name_zh, rule_name_en, amount, occurred_at, ticket_id, revisit_id, complaint_id, violation_id, dismissal';

/** HR's CSV: exactly the month's penalty lines, UTF-8 with a BOM so Excel on Chinese Windows reads it. */
async function writePenaltyCsv(db: Db, month: string, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const body = `${path}.body`;
  await db.run(`
    copy (select ${LINE_COLUMNS} from pub_penalty_lines where month = ${sqlString(month)} order by technician_id, occurred_at, rule_id)
    to ${sqlString(body)} (format csv, header true, new_line '\r\n', timestampformat '%Y-%m-%d %H:%M:%S')`);
  const out = createWriteStream(path);
  out.write(BOM);
  await pipeline(createReadStream(body), out);
  rmSync(body);
}

/** HR's workbook: the month's lines and totals, amounts as numbers, times as text. */
async function writePenaltyXlsx(db: Db, month: string, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: false, useStyles: true });
  const sheets: [string, string, string[]][] = [
    ['罚款明细', `select ${LINE_COLUMNS} from pub_penalty_lines where month = ${sqlString(month)} order by technician_id, occurred_at, rule_id`, ['amount']],
    ['汇总', `select * from pub_penalty_totals where month = ${sqlString(month)} order by technician_id`, ['amount', 'violations', 'violations_ytd']],
  ];
  for (const [name, sql, numeric] of sheets) {
    const sheet = workbook.addWorksheet(name);
    const result = await db.connection.stream(sql);
    const columns = result.columnNames();
    sheet.columns = columns.map((c) => ({ header: c, key: c, width: Math.max(12, c.length + 2) }));
    sheet.getRow(1).font = { bold: true };
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const row of chunk.getRows()) {
        sheet.addRow(row.map((v, i) => cellValue(v, numeric.includes(columns[i]!)))).commit();
      }
    }
    sheet.commit();
  }
  await workbook.commit();
}

function cellValue(v: unknown, numeric: boolean): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (numeric) return Number(String(v));
  if (typeof v === 'boolean') return v;
  return String(v); // timestamps stay the naive text DuckDB prints
}

async function qualityReport(db: Db): Promise<unknown> {
  return {
    files: await db.all(`select batch_id, file_name, kind, encoding, rows_read, rows_loaded, rows_rejected, strftime(loaded_at, '%Y-%m-%d %H:%M:%S') as loaded_at from load_batches order by batch_id`),
    reject_reasons: await db.all(`select file, reason, count(*) as rows from load_rejects group by all order by file, reason`),
    rejects: await db.all(`
      select file, line, "column", reason, value, raw_line
      from load_rejects
      qualify row_number() over (partition by file order by line) <= ${REJECTS_PER_FILE}
      order by file, line`),
    rejects_truncated: (await db.value<number>(`select count(*) from (select file from load_rejects group by file having count(*) > ${REJECTS_PER_FILE})`)) > 0,
    orphans: Object.fromEntries(
      (await db.all(`select kinds.kind, count(orphans.kind) as n from (values ('revisits'), ('complaints')) as kinds(kind) left join data_orphans as orphans using (kind) group by kinds.kind`)).map((r) => [r.kind, r.n]),
    ),
    orphan_rows: await db.all(`select kind, record_id, ticket_id, strftime(event_at, '%Y-%m-%d %H:%M:%S') as event_at from data_orphans order by kind, event_at, record_id limit ${ORPHAN_ROWS}`),
    skipped_files: await db.all(`select file, reason, strftime(max(seen_at), '%Y-%m-%d %H:%M:%S') as seen_at from load_skipped_files group by file, reason order by file`),
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

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value) + '\n');
}

/** Keep the newest few runs for readers still holding the previous manifest; drop stale temporaries. */
function pruneOldRuns(outDir: string, current: string): void {
  const runsDir = join(outDir, 'runs');
  const entries = readdirSync(runsDir);
  for (const e of entries.filter((d) => d.startsWith('.incomplete-') && d !== `.incomplete-${current}`)) {
    rmSync(join(runsDir, e), { recursive: true, force: true });
  }
  const runs = entries.filter((d) => !d.startsWith('.')).sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - KEEP_RUNS))) {
    if (old !== current) rmSync(join(runsDir, old), { recursive: true, force: true });
  }
  for (const e of readdirSync(outDir).filter((f) => f.startsWith('.manifest-'))) {
    if (existsSync(join(outDir, e))) rmSync(join(outDir, e), { force: true });
  }
}

/** Naive local time, as everything else in the product. */
export function localNow(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
