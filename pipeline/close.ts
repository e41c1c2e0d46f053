// One month close (spec 6.2, `npm run close`): take the output folder, bring the tables up to date
// with the stored records, freeze the month (pipeline/build/close.ts), build again (the frozen
// months' overlay, adjustments booked from now on in the month after), check the invariants,
// checkpoint, publish (the closed months' statements are written again), let the folder go.
// Nothing is loaded. A refused close (closed already, out of order, no data) changes nothing.
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Config } from './common/config.ts';
import type { Db } from './common/db.ts';
import { localNow, runId } from './common/time.ts';
import { applyConfig, buildModels, checkInvariants } from './build/index.ts';
import { CloseError, freezeMonth, type MonthClose } from './build/close.ts';
import { ensureSchema, type Logger } from './load/index.ts';
import { checkWritable, OutputLock } from './publish/output-lock.ts';
import { publish, type Manifest } from './publish/index.ts';
import { InvariantError, openDatabase, OutputError } from './run.ts';

export { CloseError };

export interface CloseOptions {
  month: string;
  db: string;
  out?: string;
  config: Config;
  /** who closes (default: the OS user) */
  by?: string;
  log?: Logger;
}

export interface CloseResult {
  close: MonthClose;
  manifest?: Manifest;
}

/** The user who closes: --by, else the OS account (a process without one: its USER). */
export function closingUser(by: string | undefined): string {
  if (by !== undefined && by.trim() !== '') return by.trim();
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

export async function runClose(options: CloseOptions): Promise<CloseResult> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const startedAt = localNow();
  // a database that is not there has nothing to close (and is not made by trying)
  if (!existsSync(options.db)) throw new CloseError(`no database at ${options.db}: load the exports with npm run pipeline first`);
  let lock: OutputLock | undefined;
  try {
    if (options.out) {
      checkWritable(options.out);
      lock = OutputLock.acquire(options.out, log);
    }
    const db = await openDatabase(options.db, options.config);
    try {
      const close = await closeIn(db, options, log);
      let manifest: Manifest | undefined;
      if (options.out) {
        manifest = await publishClose(options.out, () => publish(db, options.out!, { runId: runId(startedAt), startedAt, startedMs: started, files: [], config: options.config }));
        log(`published ${manifest.months.length} months to ${options.out}/${manifest.folder}`);
      }
      return { close, manifest };
    } finally {
      db.close();
    }
  } finally {
    lock?.release();
  }
}

/** The database's part: build, freeze, build, check, checkpoint. */
async function closeIn(db: Db, options: CloseOptions, log: Logger): Promise<MonthClose> {
  await ensureSchema(db);
  await applyConfig(db, options.config);
  const before = await buildModels(db);
  if (before.full || before.months.length > 0) log(`brought the tables up to date first (${before.full ? 'every month' : before.months.join(', ')})`);
  const close = await freezeMonth(db, options.month, closingUser(options.by), localNow());
  await buildModels(db);
  const failures = await checkInvariants(db);
  if (failures.length > 0) throw new InvariantError(`invariant check failed: ${failures.join('; ')}`);
  await db.run('checkpoint');
  return close;
}

/** The publish, a refusal of the file system as one line (the close itself is done). */
async function publishClose(out: string, work: () => Promise<Manifest>): Promise<Manifest> {
  try {
    return await work();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      throw new OutputError(`publishing to ${out} failed: ${(e as Error).message.split('\n')[0]}; the month is closed and the next run publishes it`);
    }
    throw e;
  }
}
