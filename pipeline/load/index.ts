// The load stage: export files into the stored tables, its one entry loadFolder. The bulk path is
// DuckDB's own CSV reader, every column as text, straight into the typing query of the kind
// (queries/load/typed_<kind>.sql), all set-based; files of a kind with the same header are read
// together by one read_csv. Every row read ends up loaded or in load_rejects with its line and
// reason, and the two counts must agree, or nothing of the run is loaded (all files load in one
// transaction). Nothing read from a file (a cell, a header, the file's name) is ever SQL text:
// such values go in as statement parameters, through an appender, or from table to SQL variable.
//
// What it owns, in the order a file goes through it:
//   inputs.ts        the files of the folder, and which kind each one is (by name, else by header)
//   recognise.ts     the kind a header names, for a file whose name names none
//   kinds.ts         each kind's columns, accepted headers, required and sensitive columns:
//                    where a column is added (with queries/load/typed_<kind>.sql, queries/schema.sql)
//   scan-ahead.ts    the pre-passes of the files ahead, while DuckDB works
//   bytes/           streaming passes over bytes: prepass.ts (counts, encoding, what the reader
//                    would trip over), encoding.ts (transcoding, repairs), xlsx.ts (workbook to CSV)
//   clean-csv.ts     bytes to a clean UTF-8 CSV with the original's lines, by the steps of bytes/
//   header.ts        which record is the header
//   plan.ts          what is known of a file before DuckDB reads it (FilePlan)
//   read.ts          the DuckDB reader statements, the typing query's input, the reader's rejects
//   typing.ts        where a read's typed rows are kept: outside the load's transaction, so that
//                    the statements over them run on every core
//   load-alone.ts    one file read alone, its rows given their lines
//   load-together.ts files with the same header read by one read_csv
//   store.ts         typed rows into the stored tables: duplicates, versions, rejects, batches
//   rejects.ts       line rejects and the raw lines of rejected rows
//   reject-summary.ts the rejects of a run's files as the command line shows them, and as a CSV
//   stale-months.ts  which months an input leaves out of date
//   outcome.ts       what a load reports of a file; the error that stops a run
// It imports, outside its folder, only the shared pipeline/common/ (db.ts, progress.ts): never
// the model build or the publish, which come after it.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db, sqlFile } from '../common/db.ts';
import type { Progress } from '../common/progress.ts';
import type { FileScan } from './bytes/prepass.ts';
import { cleanCsv } from './clean-csv.ts';
import { acceptedNames, listInputs, noExportError, type InputFile } from './inputs.ts';
import type { KindDef } from './kinds.ts';
import { loadAlone } from './load-alone.ts';
import { loadTogether } from './load-together.ts';
import type { FileOutcome, LoadedFile, Logger } from './outcome.ts';
import { TOGETHER_BYTES, planFile, type FilePlan } from './plan.ts';
import { ScanAhead } from './scan-ahead.ts';
import { finishMarking, startMarking, type StaleMonthsMarking } from './stale-months.ts';
import { TypedReads } from './typing.ts';

export { FatalLoadError, type FileOutcome, type Logger } from './outcome.ts';
export { RejectsFileError, rejectLine, summariseRejects, type RejectSummary } from './reject-summary.ts';

export async function ensureSchema(db: Db): Promise<void> {
  await db.run(sqlFile('schema.sql'));
}

/**
 * Loads every file of the folder in one transaction: a run that stops on a bad file, or is
 * killed, leaves the stored tables as they were before it (one commit is also far cheaper than
 * one per file). Consecutive files of a kind with the same header that read cleanly are read
 * together, by one read_csv over all of them (see loadTogether); the others one by one. The
 * pre-passes of the files ahead run while DuckDB works.
 */
export async function loadFolder(db: Db, inputDir: string, log: Logger = () => {}, progress?: Progress): Promise<FileOutcome[]> {
  await ensureSchema(db);
  const work = mkdtempSync(join(tmpdir(), 'sq-load-'));
  try {
    const entries = await listInputs(inputDir, work);
    // a folder without a single export is a mistake (the wrong folder, files not yet renamed): say so
    if (!entries.some((e) => e.kind)) throw noExportError(inputDir, entries);
    const sizes = entries.map((e) => (e.kind ? statSync(e.path).size : 0));
    progress?.plan(entries.filter((e) => e.kind).length, sizes.reduce((a, b) => a + b, 0));
    const reads = new TypedReads(db);
    const load = new FolderLoad(db, reads, work, new ScanAhead(entries, sizes), sizes, log, progress);
    try {
      await db.transaction(async () => {
        await load.start();
        for (const [index, entry] of entries.entries()) await load.file(index, entry);
        await load.finish();
      });
    } finally {
      await reads.release();
    }
    if (entries.some((e) => !e.kind)) log(acceptedNames());
    return load.outcomes;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** One load of a folder, file by file: what is waiting to be read together, and what was reported. */
class FolderLoad {
  readonly outcomes: FileOutcome[] = [];
  /** files planned and waiting to be read together */
  private waiting: FilePlan[] = [];
  private staleMonths: StaleMonthsMarking = 'by_row';

  constructor(
    private readonly db: Db,
    private readonly reads: TypedReads,
    private readonly work: string,
    private readonly scans: ScanAhead,
    private readonly sizes: number[],
    private readonly log: Logger,
    private readonly progress: Progress | undefined,
  ) {}

  async start(): Promise<void> {
    this.staleMonths = await startMarking(this.db);
  }

  async finish(): Promise<void> {
    await this.loadWaiting();
    await finishMarking(this.db, this.staleMonths);
  }

  /** The file at index of the folder: skipped, unchanged, or planned (and read when its group is complete). */
  async file(index: number, entry: InputFile): Promise<void> {
    const kind = entry.kind;
    if (!kind) return this.skip(entry);
    if (entry.by === 'header') this.log(`${entry.name}: read as ${kind.kind}, as its header says (its name does not)`);
    this.scans.ahead(index + 1);
    const original = await this.scans.take(entry);
    // a file with the same content as one waiting: that one is loaded first, and this one is unchanged
    if (this.waiting.some((p) => p.kind === kind && p.original.sha256 === original.sha256)) await this.loadWaiting();
    const previous = await this.db.value<number | undefined>(
      `select batch_id from load_batches where content_hash = $1 and kind = $2 order by batch_id limit 1`,
      [original.sha256, kind.kind],
    );
    if (previous !== undefined) {
      // reported in file order: the files waiting before it are loaded first
      await this.loadWaiting();
      this.progress?.fileStarted(entry.name, this.sizes[index]!);
      this.report({ file: entry.name, status: 'already_loaded', kind: kind.kind, batchId: previous });
      return;
    }
    this.progress?.fileStarted(entry.name, this.sizes[index]!);
    const plan = await this.plan(entry, kind, original, this.sizes[index]!);
    const joins =
      plan.together !== undefined &&
      this.waiting.length > 0 &&
      this.waiting[0]!.together === plan.together &&
      this.waiting.reduce((n, p) => n + p.bytes, plan.bytes) <= TOGETHER_BYTES;
    if (!joins) await this.loadWaiting();
    this.waiting.push(plan);
    if (plan.together === undefined) await this.loadWaiting();
  }

  private async skip(entry: InputFile): Promise<void> {
    await this.loadWaiting();
    await this.db.run(`insert into load_skipped_files values ($1, $2, null, localtimestamp)`, [entry.name, entry.skip ?? 'unknown']);
    this.log(`skipped ${entry.name}: ${entry.skip}`);
    this.outcomes.push({ file: entry.name, status: 'skipped', reason: entry.skip ?? 'unknown' });
  }

  /** The file cleaned and planned, in a folder of its own (removed once it is loaded). */
  private async plan(entry: InputFile, kind: KindDef, original: FileScan, bytes: number): Promise<FilePlan> {
    const fileWork = mkdtempSync(join(this.work, 'file-'));
    try {
      return await planFile(entry.name, kind, original, await cleanCsv(entry.path, entry.name, original, kind, fileWork), fileWork, bytes);
    } catch (e) {
      rmSync(fileWork, { recursive: true, force: true });
      throw e;
    }
  }

  /** Reads and stores the files waiting: one alone, several together. */
  private async loadWaiting(): Promise<void> {
    const plans = this.waiting;
    this.waiting = [];
    if (plans.length === 0) return;
    try {
      if (plans.length === 1) {
        this.progress?.fileStarted(plans[0]!.file, plans[0]!.bytes);
        this.report(await loadAlone(this.db, this.reads, plans[0]!, this.staleMonths));
        return;
      }
      const bytes = plans.reduce((n, p) => n + p.bytes, 0);
      this.progress?.fileStarted(`${plans.length} ${plans[0]!.kind.kind} files`, bytes);
      const loaded = await loadTogether(this.db, this.reads, plans, this.staleMonths);
      if (this.progress) this.progress.filesDone(loaded.map((o, i) => ({ line: loadedLine(o), rows: o.rowsRead, bytes: plans[i]!.bytes })));
      else loaded.forEach((o) => this.log(loadedLine(o)));
      this.outcomes.push(...loaded);
    } finally {
      for (const plan of plans) rmSync(plan.workDir, { recursive: true, force: true });
    }
  }

  private report(outcome: FileOutcome): void {
    this.outcomes.push(outcome);
    const line = outcome.status === 'loaded' ? loadedLine(outcome) : outcome.status === 'already_loaded' ? `unchanged ${outcome.file}: the same content was loaded before (batch ${outcome.batchId})` : undefined;
    if (!line) return;
    if (this.progress) this.progress.fileDone(line, outcome.status === 'loaded' ? outcome.rowsRead : 0);
    else this.log(line);
  }
}

function loadedLine(o: LoadedFile): string {
  return (
    `loaded ${o.file} (${o.kind}, ${o.encoding}): read ${o.rowsRead}, loaded ${o.rowsLoaded}, rejected ${o.rowsRejected}` +
    (o.extraColumns.length ? `; extra columns kept out: ${o.extraColumns.join(', ')}` : '')
  );
}
