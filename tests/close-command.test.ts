// `npm run close` as a user meets it (spec 6.2): a month closed, recorded with who and the hash, and
// published under the output folder's lock; a refused close (closed already, out of order, no data,
// no database, the folder held by another run) is one line and an exit code, and changes nothing.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import { Db, type Row } from '../pipeline/common/db.ts';
import { runClose } from '../pipeline/close.ts';
import { runPipeline } from '../pipeline/run.ts';
import { OutputLock } from '../pipeline/publish/output-lock.ts';

let work: string;
let db: string;
let out: string;

function closeCli(...args: string[]) {
  return closeCliWith({}, ...args);
}

function closeCliWith(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'pipeline/close-cli.ts', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr.replace(/npm warn.*\n/g, '') };
}

async function query(sql: string): Promise<Row[]> {
  const handle = await Db.open(db);
  try {
    return await handle.all(sql);
  } finally {
    handle.close();
  }
}

/** The month's hash worked out from the published Parquet tables alone, by the recipe of README.md. */
async function hashFromPublished(tables: string, month: string): Promise<string> {
  const reader = await Db.open(':memory:');
  try {
    const t = (name: string) => `'${join(tables, `${name}.parquet`)}'`;
    const rows = await reader.connection.runAndReadAll(
      `select 'penalty_lines', line_id, technician_id, rule_id, month, null, amount::varchar from ${t('penalty_lines')} where month = $1
       union all select 'outlet_penalty_lines', line_id, outlet_id, 'OUTLET_OVERCHARGE', month, null, amount::varchar from ${t('outlet_penalty_lines')} where month = $1
       union all select 'settlement_lines', line_id, outlet_id, 'SETTLE', settlement_month, null, fee::varchar from '${join(tables, 'settlement_lines', '*.parquet')}' where settlement_month = $1
       union all select 'penalty_adjustments', line_id, technician_id, rule_id, original_month, reason, amount::varchar from ${t('penalty_adjustments')} where month = $1
       union all select 'settlement_adjustments', line_id, outlet_id, rule_id, original_month, reason, amount::varchar from ${t('settlement_adjustments')} where month = $1`,
      [month],
    );
    const field = (v: unknown) => (v === null ? '' : /[",\r\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
    const records = rows.getRows().map((row) => Buffer.from(row.map(field).join(',') + '\n', 'utf8')).sort(Buffer.compare);
    return createHash('sha256').update(Buffer.concat(records)).digest('hex');
  } finally {
    reader.close();
  }
}

const manifest = () => JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { folder: string; build_id: string };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sq-close-test-'));
  db = join(work, 'warehouse.duckdb');
  out = join(work, 'out');
  mkdirSync(join(work, 'in'));
  writeFileSync(join(work, 'in', 'violations.csv'), [
    'violation_id,technician_id,occurred_at,rule_id',
    'V1,T1,2026-01-10 10:00,IMAGE',
    'V2,T1,2026-02-10 10:00,FOUR_NOTS',
    'V3,T2,2026-03-10 10:00,IMAGE',
  ].join('\n') + '\n');
  writeFileSync(join(work, 'in', 'tickets.csv'), 'ticket_id,outlet_id,technician_id,service_type,created_at,completed_at,status\nGD1,W1,T1,repair,2026-01-01 09:00,2026-01-02 13:00,completed\n');
  await runPipeline({ input: join(work, 'in'), db, out, config: defaultConfig() });
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('close command', () => {
  it('closes a month with who closed it and the hash, publishes it under the lock, and exits 0', async () => {
    const before = manifest();
    const run = closeCli('--month', '2026-01', '--db', db, '--out', out, '--by', 'hr-anna');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^closed 2026-01 \(hr-anna, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\): 1 penalty lines, 20\.00 yuan, adjustments 0\.00, due 20\.00; 0 outlet fines 0\.00; 0 settlement lines 0\.00; sha256 [0-9a-f]{64} over 1 lines$/m);
    expect(await query(`select month, closed_by, lines, amount::double as amount, hashed_lines from month_closes`)).toEqual([
      { month: '2026-01', closed_by: 'hr-anna', lines: 1, amount: 20, hashed_lines: 1 },
    ]);
    // published again: a new run folder with the close in it, nothing left pending, the lock let go
    const after = manifest();
    expect(after.folder).not.toBe(before.folder);
    expect(existsSync(join(out, after.folder, 'tables', 'month_closes.parquet'))).toBe(true);
    expect(await query(`select * from publish_pending`)).toEqual([]);
    expect(existsSync(join(out, '.pipeline.lock'))).toBe(false);
    // anyone can verify the statement from the published tables, as README.md shows
    const [{ sha256 }] = (await query(`select sha256 from month_closes`)) as [{ sha256: string }];
    expect(await hashFromPublished(join(out, after.folder, 'tables'), '2026-01')).toBe(sha256);
  }, 60_000);

  it('refuses a month closed already, with one line and exit 1, changing nothing', () => {
    const before = manifest();
    const run = closeCli('--month', '2026-01', '--db', db, '--out', out);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: 2026-01 is closed already \(closed \d{4}-\d\d-\d\d \d\d:\d\d:\d\d by hr-anna\); a closed month is final\n$/);
    expect(manifest()).toEqual(before);
  }, 60_000);

  it('refuses bad arguments with exit 2', () => {
    expect(closeCli('--db', db)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: --month is required\nusage: npm run close/) });
    expect(closeCli('--month', '2026-3', '--db', db)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: --month 2026-3 is not a month: give it as YYYY-MM\n/) });
  }, 60_000);

  it('refuses out of order, without data, without a database, and while another run holds the folder; nothing changes', async () => {
    const config = defaultConfig();
    const closes = () => query(`select month from month_closes order by month`);
    const before = await closes();
    await expect(runClose({ month: '2026-03', db, out, config })).rejects.toThrow('2026-02 has lines and is not closed: close it first (months close in order)');
    await expect(runClose({ month: '2026-05', db, out, config })).rejects.toThrow('2026-05 has no data to close');
    await expect(runClose({ month: '2026-02', db: join(work, 'none.duckdb'), out, config })).rejects.toThrow(`no database at ${join(work, 'none.duckdb')}: load the exports with npm run pipeline first`);
    expect(existsSync(join(work, 'none.duckdb'))).toBe(false);
    const lock = OutputLock.acquire(out);
    try {
      await expect(runClose({ month: '2026-02', db, out, config })).rejects.toThrow(`another run (pid ${process.pid}`);
    } finally {
      lock.release();
    }
    expect(await closes()).toEqual(before);
    // and in order it closes
    expect((await runClose({ month: '2026-02', db, out, config, by: 'hr-bo' })).close).toMatchObject({ month: '2026-02', closed_by: 'hr-bo', lines: 1, amount: 100 });
  }, 60_000);

  it('killed in the middle of a close, leaves the month open and the database usable: the close can be run again', async () => {
    const killed = closeCliWith({ SQ_KILL_AT: 'close:frozen' }, '--month', '2026-03', '--db', db, '--out', out);
    expect(killed.code).toBe(null);
    expect(await query(`select month from month_closes order by month`)).toEqual([{ month: '2026-01' }, { month: '2026-02' }]);
    expect(await query(`select count(*)::integer as n from frozen_penalty_lines where month = '2026-03'`)).toEqual([{ n: 0 }]);
    // the lock the killed run left is taken over
    const again = closeCli('--month', '2026-03', '--db', db, '--out', out, '--by', 'hr-anna');
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(await query(`select month, lines from month_closes where month = '2026-03'`)).toEqual([{ month: '2026-03', lines: 1 }]);
  }, 60_000);
});
