// Publishes the results as small static files for the dashboard (contract: dashboard/DATA.md):
// a new run folder is written in full under a temporary name, renamed into place, and only then
// does one atomic rename of manifest.json switch readers to it. A reader never sees half a run.
// No file carries customer phone numbers or names: everything published comes from the KPI and
// penalty tables and the data-quality tables, of whose rejected rows only the place, the reason and
// the masked value are published, never the raw line (PUBLISHED_ROWS).
//
// Every data file is one ordered query that DuckDB writes out itself (the JSON pages row by row,
// the rows of the downloads and of the outlets' files as Parquet; only the small reports of the
// run, quality and backlog are made in JavaScript); the gzip copies are streamed on the thread pool
// meanwhile. An incremental publish hard-links the month files of unchanged months
// from the previous run instead of writing them again.
//
// Which months are unchanged is known from the database, not from this run's build: the months
// every build rewrote stay pending until a manifest reflecting them is in place
// (publish-state.ts), so a publish that failed or was killed is made good by the next one. The
// caller holds the output folder's lock (output-lock.ts): staging folders are pruned here.
//
// The stage's parts: run-folder.ts (run folders, manifest, pruning), data-files.ts (the pages'
// JSON and the Parquet tables), statements.ts (HR's statements, CSV, XLSX), audit.ts (the closes,
// adjustments and appeals), settlement.ts (the outlets' settlement, HR's and each outlet's own),
// workbook.ts (the .xlsx writer), reports.ts (quality, backlog, run), output-lock.ts (one writer
// per output folder). It imports pipeline/common/, the build's state, and the load's outcome
// type; never the run.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { type Db, sqlFile } from '../common/db.ts';
import { killPoint } from '../common/faults.ts';
import { currentBuild } from '../build/index.ts';
import { confirmPublished, publishState, type PublishState } from '../build/publish-state.ts';
import { writeAudit } from './audit.ts';
import { copyTables, MONTH_PAGES, ROW_JSON, writeJsonFile, writeMonthFiles, writeSettlementLines, writeTechnicians } from './data-files.ts';
import { writeOutletFiles } from './outlet-files.ts';
import { writeTechnicianNames } from './outlet-rows.ts';
import { backlogReport, qualityReport, runReport, type RunInfo } from './reports.ts';
import { asFileSystemError, type Manifest, monthFiles, previousRun, pruneOldRuns, pruneStaging, RunFolder, settlementMonthFiles, switchTo } from './run-folder.ts';
import { linkSettlement, settlementMonths, writeSettlement } from './settlement.ts';
import { writeStatements } from './statements.ts';

export { HISTORY_SHARDS, historyShard, PUBLISHED_TABLES } from './data-files.ts';
export type { RunInfo } from './reports.ts';
export { COMPRESS_FROM_BYTES, type Manifest, monthFiles, PUBLISH_FORMAT, settlementMonthFiles } from './run-folder.ts';

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
  // the settlement of the months before the first one written is taken over too (settlement.ts)
  const rewritten = settlementMonths(names, written);
  const kept = (previous?.months ?? []).filter((m) => !rewritten.includes(m) && settlementMonthFiles(m).every((f) => existsSync(join(previous!.dir, f))));
  if (previous) linkSettlement(folder, previous.dir, kept);
  const settlement = names.filter((m) => !kept.includes(m));
  try {
    await writeRunFolder(db, folder, { written, all: names, settlement });
  } catch (e) {
    // DuckDB writes most files: a full disk is as much the file system's refusal as when Node writes
    throw asFileSystemError(e);
  }
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
 * their own connections: the KPI pages and every outlet's own files on this one, HR's statements on
 * a second, the contract tables (settlement_lines among them, which the outlets' settled tickets
 * are rendered from) on a third, the rest of the settlement (settlement.ts: its months are `settlement`) on a fourth. DuckDB's worker threads
 * would only add scheduling to that (a fifth more CPU time, measured): one thread per query while
 * the lanes run side by side. The settlement lane runs longest; once it runs alone, the threads
 * are set back. Temporary views and macros belong to a connection: each lane makes its own.
 */
async function writeRunFolder(db: Db, folder: RunFolder, months: LaneMonths): Promise<void> {
  const threads = await db.value<number>(`select current_setting('threads')`);
  await db.run(`set threads = 1`);
  let lanes: PromiseSettledResult<void>[];
  try {
    const statements = await db.instance.connect();
    const tables = await db.instance.connect();
    const settlements = await db.instance.connect();
    try {
      // settled as it ends, so that a failure is this publish's and never an unhandled rejection
      const settlementLane = Promise.allSettled([step('settlement', () => writeSettlement(settlements, folder, months.settlement))]);
      const shortLanes = Promise.allSettled([
        kpiLane(db, folder, months),
        step('penalties', async () => {
          await statementLane(statements, folder, months.written);
          killPoint('publish:statements');
        }),
        step('tables', async () => {
          await copyTables(tables, folder);
          await writeSettlementLines(tables, folder, months.written);
          // the closes, adjustments and appeals the pages read (audit.ts): small, so in this lane
          await writeAudit(tables, folder, months.written);
          // the names the outlets' settled tickets are rendered with, from settlement_lines above (outlet-rows.ts)
          await writeTechnicianNames(tables, folder);
          killPoint('publish:tables');
        }),
      ]);
      // the settlement lane runs longest: once it runs alone, its queries get the threads back
      const short = await shortLanes;
      await db.run(`set threads = ${Number(threads)}`);
      lanes = [...short, ...(await settlementLane)];
    } finally {
      statements.closeSync();
      tables.closeSync();
      settlements.closeSync();
    }
  } finally {
    await db.run(`set threads = ${Number(threads)}`);
  }
  const failed = lanes.find((lane) => lane.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The months of each lane: written in full, every month published, the settlement's. */
interface LaneMonths {
  written: string[];
  all: string[];
  settlement: string[];
}

/** The KPI pages (technicians, histories, outlets, network), quality and backlog. */
async function kpiLane(db: Db, folder: RunFolder, lane: LaneMonths): Promise<void> {
  const { written: months } = lane;
  await db.run(
    [
      `create or replace temp view pub_technician_months as ${sqlFile('publish/technician_months.sql')};`,
      `create or replace temp view pub_outlet_months as ${sqlFile('publish/outlet_months.sql')};`,
      `create or replace temp view pub_outlet_penalties as ${sqlFile('publish/outlet_penalties.sql')};`,
    ].join('\n'),
  );
  await step('technicians', () => writeTechnicians(db.connection, folder, months));
  killPoint('publish:technicians');
  for (const page of MONTH_PAGES) {
    await step(page.folder, () => writeMonthFiles(db.connection, folder, page.folder, months, { json: ROW_JSON, from: page.from, order: page.order }));
  }
  await writeJsonFile(db.connection, folder, 'network.json', { json: ROW_JSON, from: 'kpi_network_month', order: 'month' });
  folder.page('quality.json', JSON.stringify(await step('quality', () => qualityReport(db))) + '\n');
  folder.page('backlog.json', JSON.stringify(await step('backlog', () => backlogReport(db))) + '\n');
  // every outlet's own files (what an outlet's account may read), every month: outlet-files.ts; in
  // this lane, which ends early, so that they are written while the settlement still runs
  await step('outlet files', () => writeOutletFiles(db.connection, folder, lane.all));
}

/** HR's statements, each month written (statements.ts), with the publish macros on the lane's connection. */
async function statementLane(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  await connection.run(sqlFile('publish/macros.sql'));
  await writeStatements(connection, folder, months);
}
