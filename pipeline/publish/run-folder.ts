// The run folder and the manifest: a run is written in full under a temporary name, renamed into
// place, and only then does one atomic rename of manifest.json switch readers to it. The newest
// few runs are kept for readers still holding the previous manifest; what failed or killed
// publishes left is pruned, only ever under the output folder's lock (output-lock.ts).
import { copyFileSync, createReadStream, createWriteStream, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { dirname, join } from 'node:path';
import { getSystemErrorMap, promisify } from 'node:util';
import { createGzip, gzip as gzipCallback, gzipSync } from 'node:zlib';
import { killPoint } from '../common/faults.ts';
import { localNow } from '../common/time.ts';
import { penaltyRowsFiles, settlementRowsFiles } from './downloads.ts';
import type { RunInfo } from './reports.ts';

/**
 * The layout and byte format of a run folder. An incremental publish reuses files only from a run
 * of the same format: raise it whenever any published file would come out different (3: HR's
 * downloads in both languages, with the flags' reasons; 5: the closes, adjustments and appeals, and
 * the penalty totals' adjustments and amount due; 6: the settlement files, and a date format in
 * every workbook's styles; 7: the tickets withheld once per run of months, no settlement_lines/;
 * 8: the downloads' rows in download_rows/, the downloads rendered by the server; 9: the outlets'
 * rows in outlet_rows/, their folders' JSON files rendered by the server; 10: the statements' inputs
 * in download_rows/, their rows made by the server; 11: HR's statement lines of a month made by the
 * server from them; 12: the outlets' settled tickets rendered from tables/settlement_lines.parquet,
 * written in outlet order, with outlet_rows/technician_names.parquet; 13: the outlets' settlement
 * rows a file a month, outlet_rows/settlement/<month>.parquet; 14: the contract table settlement_lines
 * a file a month, tables/settlement_lines/<month>.parquet, in outlet order within the month; 15: no
 * outlet_rows/penalty_lines.parquet, the outlets' statement lines rendered from the months' penalty
 * lines of download_rows/, written in outlet order).
 */
export const PUBLISH_FORMAT = 15;

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

const KEEP_RUNS = 3;

/** Page files at least this large get a gzip copy beside them (`.json.gz`) for the server to send as it is. */
export const COMPRESS_FROM_BYTES = 16 * 1024;

// level 3: half the time of the default level 6 for files a fifth larger (pages stay far inside the budget)
export const GZIP_LEVEL = 3;

// output buffer of one gzip call: large, so a file takes few round trips to the thread pool
const GZIP_CHUNK = 256 * 1024;

const gzip = promisify(gzipCallback);

/**
 * A page smaller than this is gzipped on the main thread: the thread pool's round trip costs more
 * than compressing a few hundred KB (the outlets' files are hundreds of them). The same bytes.
 */
const GZIP_ON_POOL_FROM = 256 * 1024;

const GZIP_OPTIONS = { level: GZIP_LEVEL, chunkSize: GZIP_CHUNK };

function gzipPage(data: Buffer): Promise<Buffer> {
  if (data.length >= GZIP_ON_POOL_FROM) return gzip(data, GZIP_OPTIONS);
  return new Promise((resolve) => resolve(gzipSync(data, GZIP_OPTIONS)));
}

/** Every file of one month, inside the run folder (a `.gz` beside a JSON file where there is one). */
export function monthFiles(month: string): string[] {
  return [
    `technicians/${month}.json`,
    `outlets/${month}.json`,
    `outlet_penalties/${month}.json`,
    `penalties/${month}.json`,
    ...penaltyRowsFiles(month),
    // the contract table settlement_lines, a file a settlement month (data-files.ts)
    settlementLinesFile(month),
    // the close's month files (audit.ts)
    `adjustments/${month}.json`,
    `settlement_adjustments/${month}.json`,
    `appeals/${month}.json`,
  ];
}

/**
 * The settlement files of one month, HR's and the rows of every outlet's statement (settlement.ts). Not among monthFiles(): a month's settlement
 * depends on the months before it, so an incremental publish takes them over only for the months
 * before the first one it writes (settlementMonths in settlement.ts).
 */
export function settlementMonthFiles(month: string): string[] {
  return [`settlement/${month}.json`, ...settlementRowsFiles(month), outletMonthFile('settlement', month)];
}

/** The folder of the contract table settlement_lines, a file a settlement month (data-files.ts). */
export const SETTLEMENT_LINES = 'tables/settlement_lines';

/** Its file of a month. */
export const settlementLinesFile = (month: string) => `${SETTLEMENT_LINES}/${month}.parquet`;

/** The folder of a family of the outlets' rows written a file a month (outlet-rows.ts: the settlement's). */
export const outletMonthFolder = (family: string) => `outlet_rows/${family}`;

/** A month's file of such a family. */
export const outletMonthFile = (family: string, month: string) => `${outletMonthFolder(family)}/${month}.parquet`;

/** The run folder into place, then the manifest: each by one rename. */
export function switchTo(outDir: string, staging: string, run: RunInfo, months: { month: string; hasKpis: boolean }[], buildId: string | null): Manifest {
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
export function previousRun(outDir: string): { dir: string; months: Set<string>; buildId: string | null } | null {
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
export class RunFolder {
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
    if (data.length >= COMPRESS_FROM_BYTES) this.gzipCopy(file, data);
  }

  private gzipCopy(file: string, data: Buffer): void {
    this.later(gzipPage(data).then((gz) => writeFile(this.path(`${file}.gz`), gz)));
  }

  /**
   * A page file written in place (by DuckDB: data-files.ts), with its gzip copy as page() makes it
   * (the same bytes): a large one streamed through gzip from the disk, so that the texts of the
   * files written meanwhile are not held in memory together.
   */
  written(file: string): void {
    const size = statSync(this.path(file)).size;
    if (size < COMPRESS_FROM_BYTES) return;
    if (size < GZIP_ON_POOL_FROM) this.gzipCopy(file, readFileSync(this.path(file)));
    else this.later(pipeline(createReadStream(this.path(file), { highWaterMark: GZIP_CHUNK }), createGzip(GZIP_OPTIONS), createWriteStream(this.path(`${file}.gz`))));
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

/**
 * The file system's refusal of a file DuckDB wrote (`IO Error: Could not write file "<path>": No
 * space left on device`) as Node reports its own (code ENOSPC, EACCES, EROFS, …), so that the run
 * tells both alike (pipeline/run.ts); anything else as it is.
 */
export function asFileSystemError(e: unknown): unknown {
  if (!(e instanceof Error) || (e as NodeJS.ErrnoException).code !== undefined) return e;
  const match = /^IO Error: [^\n]*"([^"\n]*)": ([^\n]+)$/m.exec(e.message);
  if (match === null) return e;
  const reason = match[2]!.trim().toLowerCase();
  const known = [...getSystemErrorMap().values()].find(([, message]) => message === reason);
  if (known === undefined) return e;
  return Object.assign(new Error(`${known[0]}: ${reason}, write '${match[1]}'`, { cause: e }), { code: known[0] });
}

/** Keep the newest few runs for readers still holding the previous manifest. */
export function pruneOldRuns(outDir: string, current: string): void {
  const runs = readdirSync(join(outDir, 'runs')).filter((d) => !d.startsWith('.')).sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - KEEP_RUNS))) {
    if (old !== current) rmSync(join(outDir, 'runs', old), { recursive: true, force: true });
  }
}

/** What failed or killed publishes left: run folders never finished, manifests never switched. Only under the lock. */
export function pruneStaging(outDir: string): void {
  for (const e of readdirSync(join(outDir, 'runs')).filter((d) => d.startsWith('.incomplete-'))) {
    rmSync(join(outDir, 'runs', e), { recursive: true, force: true });
  }
  for (const e of readdirSync(outDir).filter((f) => f.startsWith('.manifest-'))) rmSync(join(outDir, e), { force: true });
}
