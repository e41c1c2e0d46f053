// One pipeline run: take the output folder, load the input folder, rebuild the KPI and penalty
// tables, check the invariants, checkpoint, publish, let the output folder go.
import type { Config } from './common/config.ts';
import { Db } from './common/db.ts';
import { killPoint } from './common/faults.ts';
import { loadFolder, summariseRejects, type FileOutcome, type Logger, type RejectSummary } from './load/index.ts';
import { checkWritable, OutputError, OutputLock } from './publish/output-lock.ts';
import { Progress } from './common/progress.ts';
import { localNow, runId } from './common/time.ts';
import { publish, type Manifest, type RunInfo } from './publish/index.ts';
import { applyConfig, buildModels, checkInvariants } from './build/index.ts';

export { OutputError };

export interface RunOptions {
  input: string;
  db: string;
  out?: string;
  config: Config;
  /** permanent log lines; ignored when progress is given */
  log?: Logger;
  /** progress on a terminal, plain lines elsewhere (see progress.ts) */
  progress?: Progress;
  /** how many rejected rows the result lists (default 10) */
  rejectsShown?: number;
  /** a CSV file to write every rejected row of the run's files to */
  rejectsCsv?: string;
}

export interface RunResult {
  files: FileOutcome[];
  /** the rejected rows of the run's files: how many, the first ones, where all of them were written */
  rejects: RejectSummary;
  manifest?: Manifest;
  seconds: number;
}

export class InvariantError extends Error {}

export class DatabaseBusyError extends Error {}

export async function openDatabase(path: string, config: Config): Promise<Db> {
  try {
    return await Db.open(path, config);
  } catch (e) {
    const message = (e as Error).message;
    if (/lock/i.test(message)) {
      throw new DatabaseBusyError(`another run holds the database ${path}; wait for it to finish and try again`);
    }
    throw new DatabaseBusyError(`cannot open the database ${path}: ${message.split('\n')[0]}`);
  }
}

export async function runPipeline(options: RunOptions): Promise<RunResult> {
  const progress = options.progress;
  const log: Logger = progress ? (line) => progress.log(line) : (options.log ?? (() => {}));
  const started = performance.now();
  const startedAt = localNow();
  let lock: OutputLock | undefined;
  try {
    // the output folder before anything is loaded: a run that cannot publish there stops now
    if (options.out) {
      checkWritable(options.out);
      lock = OutputLock.acquire(options.out, log);
    }
    const db = await openDatabase(options.db, options.config);
    try {
      const files = await loadAndBuild(db, options, log);
      // before the publish: a publish the file system refuses leaves the rejects written all the same
      const rejects = await summariseRejects(db, files, options.rejectsShown ?? 10, options.rejectsCsv);
      let manifest: Manifest | undefined;
      if (options.out) manifest = await publishRun(db, options.out, { runId: runId(startedAt), startedAt, startedMs: started, files, config: options.config }, log, progress);
      return { files, rejects, manifest, seconds: (performance.now() - started) / 1000 };
    } finally {
      db.close();
    }
  } finally {
    lock?.release();
    progress?.end();
  }
}

/** Load, model build, invariants, checkpoint: the database's part of the run. */
async function loadAndBuild(db: Db, options: RunOptions, log: Logger): Promise<FileOutcome[]> {
  const progress = options.progress;
  await applyConfig(db, options.config);
  progress?.stage('load', options.input);
  const files = await loadFolder(db, options.input, log, progress);
  progress?.stage('models');
  const built = await buildModels(db, (name, ms) => {
    log(`built ${name} in ${(ms / 1000).toFixed(2)} s`);
    killPoint(`build:${name}`);
  });
  killPoint('built');
  log(built.full ? `built every table (${months(built.months.length)})` : `rebuilt ${months(built.months.length)}: ${built.months.join(', ') || 'none'}`);
  log('checking invariants');
  const failures = await checkInvariants(db);
  if (failures.length > 0) throw new InvariantError(`invariant check failed: ${failures.join('; ')}`);
  await db.run('checkpoint');
  killPoint('checked');
  return files;
}

/** "1 month", "2 months" for the run's lines. */
const months = (n: number) => `${n} ${n === 1 ? 'month' : 'months'}`;

/**
 * Publishes what the database holds. Which months are written is the database's publish state,
 * not this run's build: a publish that failed before is made good here (publish-state.ts).
 */
async function publishRun(db: Db, out: string, run: RunInfo, log: Logger, progress: Progress | undefined): Promise<Manifest> {
  progress?.stage('publish', out);
  log(`publishing to ${out}`);
  let manifest: Manifest;
  try {
    manifest = await publish(db, out, run);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // the file system refused (full, read-only, not a folder): one line, and the next run publishes again
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      throw new OutputError(`publishing to ${out} failed: ${(e as Error).message.split('\n')[0]}; the database is up to date and the next run publishes it again`);
    }
    throw e;
  }
  log(`published ${months(manifest.months.length)} to ${out}/${manifest.folder}`);
  return manifest;
}
