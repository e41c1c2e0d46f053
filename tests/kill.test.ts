// Crash safety. A run killed with SIGKILL at any point of an incremental run (during the load, in
// the model build, after its commit, after the checkpoint, at every step of the publish, after the
// manifest switch) leaves the previous results served whole, or the new ones whole, and the next run
// ends with the tables and the published files of an uninterrupted run, byte for byte, still
// sharing the untouched months with the earlier run. The same after a publish that the file system
// refused (a path component that is a file, a manifest that cannot be replaced, a full disk). A
// second run into the same output folder, with another database, stops with one line while the
// first publishes whole; one holding the database too. KILL_REPEAT=20 repeats each kill cycle.
//
// The kills: SQ_KILL_AT=<point> (pipeline/common/faults.ts) where the run reaches a named point; during
// the load, as soon as the run reports a file of the second half loaded.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Db, sqlString } from '../pipeline/common/db.ts';
import { monthFiles } from '../pipeline/publish/index.ts';

const REPEAT = Number(process.env.KILL_REPEAT ?? 1);
const TABLES = ['kpi_technician_month', 'kpi_outlet_month', 'kpi_network_month', 'penalty_lines', 'penalty_totals', 'outlet_penalty_lines'];
/** Months the second half of the year does not touch: their files stay the first run's. */
const UNTOUCHED = ['2025-11', '2025-12'];

let work: string;
/** the first half of the year, loaded and published: every cycle starts from a copy */
let base: { db: string; out: string; input: string; runId: string };
let referenceTables: Record<string, unknown[]>;
/** what an uninterrupted run of the whole year onto the first half publishes */
let referencePublished: Published;

function runCli(input: string, db: string, out: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'pipeline/cli.ts', '--input', input, '--db', db, '--out', out], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
}

/** Starts a run and kills it with SIGKILL as soon as it prints a line matching `at`. */
function runAndKill(input: string, db: string, out: string, at: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'pipeline/cli.ts', '--input', input, '--db', db, '--out', out]);
    let seen = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      seen += d.toString();
      if (!killed && at.test(seen)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`the run ended before the kill point ${at}: ${seen}`))));
  });
}

async function snapshot(dbPath: string): Promise<Record<string, unknown[]>> {
  const db = await Db.open(dbPath);
  try {
    const out: Record<string, unknown[]> = {};
    for (const t of TABLES) out[t] = await db.all(`select * from ${t} order by all`);
    return out;
  } finally {
    db.close();
  }
}

function filesOf(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function manifestOf(out: string): Record<string, unknown> & { folder: string; run_id: string } {
  return JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
}

/** What readers get: the manifest's text and every file of its folder, by path and hash. */
function served(out: string): { manifest: string; files: Record<string, string> } {
  const manifest = readFileSync(join(out, 'manifest.json'), 'utf8');
  const folder = join(out, JSON.parse(manifest).folder);
  return { manifest, files: Object.fromEntries(filesOf(folder).map((f) => [f, sha256(join(folder, f))])) };
}

interface Published {
  manifest: Record<string, unknown>;
  files: Record<string, string>;
  quality: unknown;
  tables: Record<string, unknown>;
}

/**
 * The current run folder's files by path and sha256, but what records when this run happened:
 * run.json; the run's id, time, folder and build in the manifest; the load log's times, and how many
 * runs saw the file that is no export (quality.json and the load tables, compared without those).
 * The Parquet tables are in the order the database stores the rows, which depends on the threads
 * and the history of the builds: they are compared by their columns and their rows, sorted.
 */
async function published(out: string): Promise<Published> {
  const { run_id: _id, published_at: _at, folder, build_id: _build, ...manifest } = manifestOf(out);
  const dir = join(out, folder);
  const pages = filesOf(dir).filter((f) => !['run.json', 'quality.json', 'quality.json.gz'].includes(f) && !f.startsWith('tables/'));
  const quality = JSON.parse(readFileSync(join(dir, 'quality.json'), 'utf8'));
  for (const file of quality.files) delete file.loaded_at;
  for (const file of quality.skipped_files) delete file.seen_at;
  const db = await Db.open(':memory:');
  try {
    const tables: Record<string, unknown> = {};
    for (const file of filesOf(join(dir, 'tables'))) {
      const parquet = `read_parquet(${sqlString(join(dir, 'tables', file))})`;
      const rows =
        file === 'load_batches.parquet' ? `select * exclude (loaded_at) from ${parquet}`
        : file === 'load_skipped_files.parquet' ? `select distinct * exclude (seen_at) from ${parquet}`
        : `select * from ${parquet}`;
      tables[file] = {
        columns: await db.all(`select name, type from parquet_schema(${sqlString(join(dir, 'tables', file))}) where name <> 'duckdb_schema' order by all`),
        rows: await db.all(`${rows} order by all`),
      };
    }
    return { manifest, files: Object.fromEntries(pages.map((f) => [f, sha256(join(dir, f))])), quality, tables };
  } finally {
    db.close();
  }
}

/** A fresh copy of the first half's database and output folder. */
function fromBase(): { dir: string; db: string; out: string } {
  const dir = mkdtempSync(join(work, 'cycle-'));
  cpSync(base.db, join(dir, 'w.duckdb'));
  cpSync(base.out, join(dir, 'out'), { recursive: true });
  return { dir, db: join(dir, 'w.duckdb'), out: join(dir, 'out') };
}

/** The untouched months' files of the current run are the first half's, shared by hard links. */
function expectUntouchedShared(out: string): void {
  const current = join(out, manifestOf(out).folder);
  for (const month of UNTOUCHED) {
    for (const file of monthFiles(month)) {
      expect(statSync(join(current, file)).ino, file).toBe(statSync(join(out, 'runs', base.runId, file)).ino);
    }
  }
}

/** The rerun heals: the tables and the published files of an uninterrupted run. */
async function expectRerunHeals(db: string, out: string): Promise<void> {
  const rerun = runCli('data/sample', db, out);
  expect(rerun.status, rerun.stderr).toBe(0);
  expect(await snapshot(db)).toEqual(referenceTables);
  expect(await published(out)).toEqual(referencePublished);
  expectUntouchedShared(out);
  expect(readdirSync(join(out, 'runs')).filter((d) => d.startsWith('.'))).toEqual([]);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sq-kill-'));
  const reference = runCli('data/sample', join(work, 'reference.duckdb'), join(work, 'reference-out'));
  expect(reference.status, reference.stderr).toBe(0);
  referenceTables = await snapshot(join(work, 'reference.duckdb'));

  const input = join(work, 'first-half');
  cpSync('data/sample', input, { recursive: true, filter: (src) => !/_2026-0[4-9]|_2026-1[01]/.test(src) });
  base = { db: join(work, 'base.duckdb'), out: join(work, 'base-out'), input, runId: '' };
  const first = runCli(input, base.db, base.out);
  expect(first.status, first.stderr).toBe(0);
  base.runId = manifestOf(base.out).run_id;
  // the first half holds the complaints and violations of the whole year (one file each): every
  // month is published, tickets or not
  const manifest = manifestOf(base.out);
  expect([manifest.months, manifest.latest_month]).toEqual([
    ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'],
    '2026-10',
  ]);

  const uninterrupted = fromBase();
  const run = runCli('data/sample', uninterrupted.db, uninterrupted.out);
  expect(run.status, run.stderr).toBe(0);
  expect(await snapshot(uninterrupted.db)).toEqual(referenceTables);
  referencePublished = await published(uninterrupted.out);
  expectUntouchedShared(uninterrupted.out);
  // and it is what a full publish of a fresh database writes, but for the load log (its batch ids
  // and times are those of another history)
  const fresh = await published(join(work, 'reference-out'));
  const withoutLoadLog = (p: Published) => ({ ...p, quality: undefined, tables: Object.fromEntries(Object.entries(p.tables).filter(([file]) => !file.startsWith('load_'))) });
  expect(withoutLoadLog(referencePublished)).toEqual(withoutLoadLog(fresh));
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Where a run is killed; `switched`: the manifest already names the new run. */
const KILL_POINTS: { label: string; at: string | RegExp; switched?: boolean }[] = [
  { label: 'during the load', at: /loaded 工单_2026-0[4-9]/ },
  { label: 'during the model build', at: 'build:int_ticket_outcomes' },
  { label: 'after the build commit', at: 'built' },
  { label: 'after the invariants and the checkpoint', at: 'checked' },
  { label: 'after the technicians are published', at: 'publish:technicians' },
  { label: 'after the statements are published', at: 'publish:statements' },
  { label: 'after the tables are published', at: 'publish:tables' },
  { label: 'after the compression', at: 'publish:compression' },
  { label: 'after the run folder rename, before the manifest rename', at: 'publish:run-folder' },
  { label: 'after the manifest rename, before the publish state is cleared', at: 'publish:manifest', switched: true },
  { label: 'after the publish state is cleared', at: 'publish:cleared', switched: true },
];

describe.each(KILL_POINTS)('a run killed $label', ({ at, switched }) => {
  it(`leaves whole results served, and the next run publishes what an uninterrupted run does (x${REPEAT})`, async () => {
    for (let i = 0; i < REPEAT; i++) {
      const { dir, db, out } = fromBase();
      const before = served(out);
      if (typeof at === 'string') {
        const killed = runCli('data/sample', db, out, { SQ_KILL_AT: at });
        expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');
      } else {
        await runAndKill('data/sample', db, out, at);
      }
      if (switched) {
        // the new run is what readers get, and already whole
        expect(manifestOf(out).run_id).not.toBe(base.runId);
        expect(await published(out)).toEqual(referencePublished);
      } else {
        // the previous run is still what readers get, exactly
        expect(served(out)).toEqual(before);
      }
      await expectRerunHeals(db, out);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

/** Can this process make a file immutable here (root on a file system with attributes)? */
function canChattr(): boolean {
  const probe = join(work, 'chattr-probe');
  writeFileSync(probe, '');
  const set = spawnSync('chattr', ['+i', probe]);
  spawnSync('chattr', ['-i', probe]);
  rmSync(probe, { force: true });
  return set.status === 0;
}

/** Can this process mount a small tmpfs (root with the right to mount)? */
function canMount(): boolean {
  const probe = join(work, 'mount-probe');
  mkdirSync(probe, { recursive: true });
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]).status === 0;
  if (mounted) spawnSync('umount', [probe]);
  return mounted;
}

describe('a publish the file system refuses', () => {
  const failure = /^error: publishing to .* failed: E[A-Z]+: .*; the database is up to date and the next run publishes it again\n$/;

  it('where the runs folder is a file: one line, the previous results served, and the next run heals once it is a folder again', async () => {
    const { dir, db, out } = fromBase();
    const before = served(out);
    renameSync(join(out, 'runs'), join(out, 'runs-aside'));
    writeFileSync(join(out, 'runs'), 'not a folder');
    const failed = runCli('data/sample', db, out);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(failure);
    rmSync(join(out, 'runs'));
    renameSync(join(out, 'runs-aside'), join(out, 'runs'));
    expect(served(out)).toEqual(before);
    await expectRerunHeals(db, out);
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it('where the manifest cannot be replaced (immutable, as for root a read-only file is not): the next run heals once it can', async (context) => {
    if (!canChattr()) context.skip('chattr +i is not available here');
    const { dir, db, out } = fromBase();
    const before = served(out);
    expect(spawnSync('chattr', ['+i', join(out, 'manifest.json')]).status).toBe(0);
    let failed: ReturnType<typeof runCli>;
    try {
      failed = runCli('data/sample', db, out);
    } finally {
      spawnSync('chattr', ['-i', join(out, 'manifest.json')]);
    }
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(failure);
    expect(failed.stderr).toContain('EPERM');
    expect(served(out)).toEqual(before);
    await expectRerunHeals(db, out);
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it('where the disk fills up in the middle of the run folder: the next run heals once there is room', async (context) => {
    if (!canMount()) context.skip('cannot mount a tmpfs here');
    const { dir, db } = fromBase();
    const out = join(dir, 'small');
    mkdirSync(out);
    // room for the first half's run (in pages, as tmpfs counts) and a quarter more
    const used = filesOf(base.out).reduce((n, f) => n + Math.ceil(statSync(join(base.out, f)).size / 4096) * 4096, 0);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil((used * 1.25) / 4096) * 4096}`, 'tmpfs', out]).status).toBe(0);
    try {
      cpSync(base.out, out, { recursive: true });
      const before = served(out);
      const failed = runCli('data/sample', db, out);
      expect(failed.status).toBe(1);
      expect(failed.stderr).toMatch(failure);
      expect(failed.stderr).toContain('ENOSPC');
      expect(served(out)).toEqual(before);
      expect(spawnSync('mount', ['-o', 'remount,size=64m', out]).status).toBe(0);
      await expectRerunHeals(db, out);
    } finally {
      spawnSync('umount', [out]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('a second run', () => {
  it('into the same output folder, with another database, stops with one line while the first publishes whole', async () => {
    const out = join(work, 'shared-out');
    const first = spawn(process.execPath, ['--import', 'tsx', 'pipeline/cli.ts', '--input', 'data/sample', '--db', join(work, 'first.duckdb'), '--out', out]);
    let seen = '';
    const exited = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => first.stdout.on('data', (d: Buffer) => ((seen += d.toString()), /loaded/.test(seen) && resolve())));
    const second = runCli('data/sample', join(work, 'second.duckdb'), out);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(`^error: another run \\(pid ${first.pid}, started \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\) is writing to the output folder ${out}; wait for it to finish and try again \\(if no run is active, remove ${out}/\\.pipeline\\.lock\\)\\n$`),
    );
    // the second run stopped before it opened its database
    expect(existsSync(join(work, 'second.duckdb'))).toBe(false);
    expect(await exited).toBe(0);
    const firstPublished = await published(out);
    expect(firstPublished).toEqual(await published(join(work, 'reference-out')));
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'runs']);

    // afterwards it publishes, in full: nothing of the other database's run is taken over
    const firstFolder = join(out, manifestOf(out).folder);
    const again = runCli('data/sample', join(work, 'second.duckdb'), out);
    expect(again.status, again.stderr).toBe(0);
    expect(await published(out)).toEqual(firstPublished);
    const current = join(out, manifestOf(out).folder);
    for (const file of monthFiles('2026-01')) expect(statSync(join(current, file)).ino, file).not.toBe(statSync(join(firstFolder, file)).ino);
  }, 300_000);

  it('exits with a clear message while another run holds the database', async () => {
    const db = join(work, 'busy.duckdb');
    const first = spawn(process.execPath, ['--import', 'tsx', 'pipeline/cli.ts', '--input', 'data/sample', '--db', db, '--out', join(work, 'busy-out')]);
    await new Promise<void>((resolve) => first.stdout.on('data', (d: Buffer) => /loaded/.test(d.toString()) && resolve()));
    const second = runCli('data/sample', db, join(work, 'busy-out-2'));
    first.kill('SIGKILL');
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/^error: another run holds the database .*busy\.duckdb; wait for it to finish and try again\n$/);
    // the output folder it took is free again
    expect(readdirSync(join(work, 'busy-out-2'))).toEqual([]);
  }, 120_000);
});
