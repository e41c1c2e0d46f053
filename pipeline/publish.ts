// Publishes the output tables as files: a new versioned folder, then one atomic switch of the
// manifest, so that a reader never sees half a run. Only the contract tables go out; none of them
// carries customer phone numbers or names.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Db, sqlString } from './db.ts';

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
  tables: Record<string, { rows: number; parquet: string; json: string }>;
}

const KEEP_RUNS = 3;

export async function publish(db: Db, outDir: string, runId: string): Promise<Manifest> {
  mkdirSync(join(outDir, 'runs'), { recursive: true });
  const staging = join(outDir, 'runs', `.incomplete-${runId}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);

  const tables: Manifest['tables'] = {};
  for (const table of PUBLISHED_TABLES) {
    const select = `select * from ${table} order by all`;
    await db.run(`copy (${select}) to ${sqlString(join(staging, `${table}.parquet`))} (format parquet)`);
    await db.run(`copy (${select}) to ${sqlString(join(staging, `${table}.json`))} (format json, array true)`);
    tables[table] = { rows: await db.value<number>(`select count(*) from ${table}`), parquet: `${table}.parquet`, json: `${table}.json` };
  }

  const folder = join('runs', runId);
  renameSync(staging, join(outDir, folder));
  const manifest: Manifest = { run_id: runId, published_at: localNow(), folder, tables };
  const tmp = join(outDir, `.manifest-${runId}.json`);
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(tmp, join(outDir, 'manifest.json')); // the switch: atomic on one file system

  // keep a few previous runs for readers still holding the old manifest
  const runs = readdirSync(join(outDir, 'runs')).filter((d) => !d.startsWith('.')).sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - KEEP_RUNS))) {
    if (old !== runId) rmSync(join(outDir, 'runs', old), { recursive: true, force: true });
  }
  return manifest;
}

/** Naive local time, as everything else in the product. */
export function localNow(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
