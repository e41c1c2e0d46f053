// The output folder (--out): checked writable before a run loads anything, and written by one run
// at a time. A run holds the lock file <out>/.pipeline.lock from before its load until after its
// publish; a second run into the same folder (with whatever database) stops at once with a message
// naming the holder, instead of pruning the first one's staging folder under it.
//
// The lock is created whole and exclusively (its content written to a file of our own first, then
// hard-linked into place, which fails when the lock exists). It holds the pid, the host, the start
// time and, where /proc tells it, the process's start tick, so that a lock whose process is gone
// (a killed run) or whose pid now belongs to another process is known as stale and taken over.
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { localNow } from '../common/time.ts';

export class OutputError extends Error {}

export const LOCK_FILE = '.pipeline.lock';

interface Holder {
  pid: number;
  host: string;
  started_at: string;
  /** the process's start time in clock ticks after boot (Linux), to tell a reused pid */
  process_start: string | null;
}

/** Creates the folder if missing and writes and removes a file in it: a run that could not publish stops before it loads. */
export function checkWritable(outDir: string): void {
  const probe = join(outDir, `.probe-${process.pid}`);
  try {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(probe, 'probe\n');
    rmSync(probe);
  } catch (e) {
    throw new OutputError(`cannot write to the output folder ${outDir}: ${firstLine(e)}`);
  }
}

export class OutputLock {
  private constructor(
    private readonly path: string,
    private readonly text: string,
  ) {}

  /** Takes the folder's lock, or throws an OutputError naming the run that holds it. */
  static acquire(outDir: string, log: (line: string) => void = () => {}): OutputLock {
    const path = join(outDir, LOCK_FILE);
    const mine: Holder = { pid: process.pid, host: hostname(), started_at: localNow(), process_start: processStart(process.pid) ?? null };
    const text = JSON.stringify(mine) + '\n';
    for (let attempt = 0; attempt < 5; attempt++) {
      if (create(path, text)) return new OutputLock(path, text);
      const held = readLock(path);
      if (held === undefined) continue; // released meanwhile
      const holder = parseHolder(held);
      if (holder !== undefined && alive(holder)) {
        const where = holder.host === mine.host ? '' : ` on ${holder.host}`;
        throw new OutputError(
          `another run (pid ${holder.pid}${where}, started ${holder.started_at}) is writing to the output folder ${outDir}; wait for it to finish and try again (if no run is active, remove ${path})`,
        );
      }
      if (takeOver(path, held)) log(`the output folder's lock of ${holder ? `pid ${holder.pid}, started ${holder.started_at}` : 'an unreadable holder'} was left by a run no longer running: taken over`);
    }
    throw new OutputError(`cannot take the lock ${path}: other runs keep taking it; try again`);
  }

  /** Removes the lock, when it is still this run's. */
  release(): void {
    if (readLock(this.path) === this.text) rmSync(this.path, { force: true });
  }
}

/** The lock created with this content, or false when a lock exists. */
function create(path: string, text: string): boolean {
  const own = `${path}.${process.pid}`;
  try {
    writeFileSync(own, text);
    try {
      linkSync(own, path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      return createExclusive(path, text); // a file system without hard links
    }
  } catch (e) {
    if (e instanceof OutputError) throw e;
    throw new OutputError(`cannot create the lock ${path}: ${firstLine(e)}`);
  } finally {
    rmSync(own, { force: true });
  }
}

function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return { pid: value.pid, host: value.host, started_at: String(value.started_at ?? '?'), process_start: value.process_start ?? null };
  } catch {
    return undefined; // an unreadable lock holds nothing
  }
}

function alive(holder: Holder): boolean {
  if (holder.host !== hostname()) return true; // another machine's run: no way to tell
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // ESRCH: no such process
  }
  const start = processStart(holder.pid);
  if (start === 'zombie') return false; // killed, not yet reaped by its parent
  return start === undefined || holder.process_start === null || start === holder.process_start;
}

/** The start tick of a process from /proc (undefined where there is none), or 'zombie'. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // after "pid (command) ": state is field 3, starttime field 22
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? 'zombie' : fields[19];
  } catch {
    return undefined;
  }
}

/**
 * Moves a stale lock aside, to be created anew by whoever comes first. Should a live run's lock
 * have been created meanwhile and moved instead, it is put back.
 */
function takeOver(path: string, stale: string): boolean {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return false; // another run moved it first
  }
  try {
    if (readLock(aside) === stale) return true;
    try {
      linkSync(aside, path);
    } catch {
      // a third run took the lock meanwhile: it holds it
    }
    return false;
  } finally {
    rmSync(aside, { force: true });
  }
}

function firstLine(e: unknown): string {
  return ((e as Error).message ?? String(e)).split('\n')[0]!;
}
