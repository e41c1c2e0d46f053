// One pipeline run: load the input folder, rebuild the KPI and penalty tables, check the
// invariants, checkpoint, publish.
import type { Config } from './config.ts';
import { Db } from './db.ts';
import { loadFolder, type FileOutcome, type Logger } from './load.ts';
import { Progress } from './progress.ts';
import { localNow, publish, type Manifest } from './publish.ts';
import { applyConfig, buildModels, checkInvariants } from './transform.ts';

export interface RunOptions {
  input: string;
  db: string;
  out?: string;
  config: Config;
  /** permanent log lines; ignored when progress is given */
  log?: Logger;
  /** progress on a terminal, plain lines elsewhere (see progress.ts) */
  progress?: Progress;
}

export interface RunResult {
  files: FileOutcome[];
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
  const stage = (name: string, detail?: string) => (progress ? progress.stage(name, detail) : undefined);
  const started = performance.now();
  const startedAt = localNow();
  const db = await openDatabase(options.db, options.config);
  try {
    await applyConfig(db, options.config);
    stage('load', options.input);
    const files = await loadFolder(db, options.input, log, progress);
    stage('models');
    const built = await buildModels(db, (name, ms) => log(`built ${name} in ${(ms / 1000).toFixed(2)} s`));
    log(built.full ? `built every table (${built.months.length} months)` : `rebuilt ${built.months.length} months: ${built.months.join(', ') || 'none'}`);
    log('checking invariants');
    const failures = await checkInvariants(db);
    if (failures.length > 0) throw new InvariantError(`invariant check failed: ${failures.join('; ')}`);
    await db.run('checkpoint');
    let manifest: Manifest | undefined;
    if (options.out) {
      // local wall-clock time, like every time in the product; milliseconds keep quick reruns apart
      stage('publish', options.out);
      log(`publishing to ${options.out}`);
      const runId = `${startedAt.replace(/[-:]/g, '').replace(' ', 'T')}-${String(Date.now() % 1000).padStart(3, '0')}`;
      // an incremental build rewrites only the months it rebuilt; the other months' files are taken
      // over from the previous run
      manifest = await publish(db, options.out, { runId, startedAt, startedMs: started, files, config: options.config }, { changedMonths: built.full ? undefined : built.months });
      log(`published ${manifest.months.length} months to ${options.out}/${manifest.folder}`);
    }
    return { files, manifest, seconds: (performance.now() - started) / 1000 };
  } finally {
    progress?.end();
    db.close();
  }
}
