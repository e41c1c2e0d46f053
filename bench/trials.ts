// The benchmark's timed runs, each in a process of its own so that its peak memory is its own:
// the pipeline through bench-worker.ts (in-process, its stages timed), the reference script as
// plain node with peak-rss.cjs preloaded to report its time and peak memory at exit.
//
// Owns starting and reading the trials; spawns its siblings by path; used by bench.ts.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** what bench-worker.ts prints: the run's seconds, split by its stages, and its peak memory */
export interface PipelineTrial {
  seconds: number;
  maxRssMb: number;
  stages: { load: number; models: number; publish: number };
}

export interface ScriptTrial {
  seconds: number;
  maxRssMb: number;
}

/** by their own location, so that the benchmark runs from any working directory */
const WORKER = fileURLToPath(new URL('./bench-worker.ts', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./expert.cjs', import.meta.url));
const PEAK_RSS = fileURLToPath(new URL('./peak-rss.cjs', import.meta.url));
/** where the script finds node_modules/@duckdb/node-api: the project's own */
const PROJECT = fileURLToPath(new URL('..', import.meta.url));

export function removeDatabase(db: string): void {
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
}

/** one pipeline run into the database and output folder as they are (the caller empties them or not) */
export function runPipelineTrial(input: string, db: string, out: string): PipelineTrial {
  const child = spawnSync(process.execPath, ['--import', 'tsx', WORKER, input, db, out], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`pipeline trial on ${input} failed (exit ${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as PipelineTrial;
}

/** one run of the reference script into an empty database */
export function runScriptTrial(input: string, db: string): ScriptTrial {
  removeDatabase(db);
  const report = `${db}.report.json`;
  rmSync(report, { force: true });
  const child = spawnSync(process.execPath, ['--require', PEAK_RSS, SCRIPT, PROJECT, input, db], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, SQ_BENCH_REPORT: report },
  });
  if (child.status !== 0) throw new Error(`reference script on ${input} failed (exit ${child.status}): ${child.stderr}`);
  const { seconds, maxRssMb } = JSON.parse(readFileSync(report, 'utf8')) as ScriptTrial;
  return { seconds, maxRssMb };
}
