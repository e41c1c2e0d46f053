// Crash safety: a run killed with SIGKILL during load, during the KPI tables or during publish
// leaves the previous published results intact and the database usable, and the next run ends
// with the same results as an uninterrupted one. A second run while one holds the database
// exits with a clear message. KILL_REPEAT=20 repeats the kill cycle (default 1 per point).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Db } from '../pipeline/db.ts';

const REPEAT = Number(process.env.KILL_REPEAT ?? 1);
const TABLES = ['kpi_technician_month', 'kpi_outlet_month', 'kpi_network_month', 'penalty_lines', 'penalty_totals', 'outlet_penalty_lines'];

let work: string;
let reference: Record<string, unknown[]>;

function runCli(input: string, db: string, out: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'pipeline/cli.ts', '--input', input, '--db', db, '--out', out], { encoding: 'utf8', timeout: 120_000 });
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

function publishedIsComplete(out: string): { runId: string; files: number } {
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  const folder = join(out, manifest.folder);
  for (const f of ['network.json', 'run.json', 'quality.json', 'backlog.json', `technicians/${manifest.latest_month}.json`, `penalties/${manifest.latest_month}.csv`]) {
    expect(existsSync(join(folder, f)), f).toBe(true);
    if (f.endsWith('.json')) JSON.parse(readFileSync(join(folder, f), 'utf8'));
  }
  return { runId: manifest.run_id, files: (readdirSync(folder, { recursive: true }) as string[]).length };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sq-kill-'));
  const run = runCli('data/sample', join(work, 'reference.duckdb'), join(work, 'reference-out'));
  expect(run.status, run.stderr).toBe(0);
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each([
  ['during load', /loaded 工单_2026-0[4-9]/],
  ['during the KPI tables', /built int_ticket_outcomes/],
  ['during publish', /publishing to/],
])('a run killed %s', (_label, killPoint) => {
  it(`leaves the previous results served and the next run completes identically (x${REPEAT})`, async () => {
    reference ??= await snapshot(join(work, 'reference.duckdb'));
    for (let i = 0; i < REPEAT; i++) {
      const dir = mkdtempSync(join(work, 'cycle-'));
      const db = join(dir, 'w.duckdb');
      const out = join(dir, 'out');
      // previous results: the first half of the year, published
      const firstHalf = join(dir, 'first-half');
      cpSync('data/sample', firstHalf, { recursive: true, filter: (src) => !/_2026-0[4-9]|_2026-1[01]/.test(src) });
      expect(runCli(firstHalf, db, out).status).toBe(0);
      const before = publishedIsComplete(out);

      await runAndKill('data/sample', db, out, killPoint);

      // the previous run is still what readers get, whole
      const after = publishedIsComplete(out);
      if (after.runId !== before.runId) {
        // the kill landed after the manifest switch: then the new run must be whole too
        expect(after.files).toBeGreaterThan(before.files);
      } else {
        expect(after).toEqual(before);
      }
      // the database opens, and the next run completes with the uninterrupted results
      const rerun = runCli('data/sample', db, out);
      expect(rerun.status, rerun.stderr).toBe(0);
      expect(await snapshot(db)).toEqual(reference);
      publishedIsComplete(out);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('a second run', () => {
  it('exits with a clear message while another run holds the database', async () => {
    const db = join(work, 'busy.duckdb');
    const first = spawn(process.execPath, ['--import', 'tsx', 'pipeline/cli.ts', '--input', 'data/sample', '--db', db, '--out', join(work, 'busy-out')]);
    await new Promise<void>((resolve) => first.stdout.on('data', (d: Buffer) => /loaded/.test(d.toString()) && resolve()));
    const second = runCli('data/sample', db, join(work, 'busy-out-2'));
    first.kill('SIGKILL');
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/^error: another run holds the database .*busy\.duckdb; wait for it to finish and try again\n$/);
  }, 120_000);
});
