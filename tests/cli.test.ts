// The command line as a user meets it: one-line errors and exit codes, never a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let work: string;

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'pipeline/cli.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr.replace(/npm warn.*\n/g, '') };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sq-cli-test-'));
  mkdirSync(join(work, 'in'));
  writeFileSync(join(work, 'in', 'tickets.csv'), 'ticket_id,outlet_id,technician_id,service_type,created_at,completed_at,status\nGD1,W1,T1,repair,2026-03-01 09:00,2026-03-02 13:00,completed\n');
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('pipeline command', () => {
  it('runs, publishes and exits 0', () => {
    const run = cli('--input', join(work, 'in'), '--db', join(work, 'ok.duckdb'), '--out', join(work, 'out'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('loaded tickets.csv (tickets, utf-8): read 1, loaded 1, rejected 0');
    expect(run.stdout).toMatch(/done in [\d.]+ s: 1 files loaded, 0 unchanged, 0 not recognised/);
    // not a terminal: plain lines with the stage and elapsed time, no control characters
    expect(run.stdout).toMatch(/^\[\d+\.\d s\] load: /m);
    expect(run.stdout).toMatch(/^\[\d+\.\d s\] publish: /m);
    expect(run.stdout).not.toMatch(/\r|\x1b/);
    // --quiet: nothing on stdout, and the same file again is a no-op
    const quiet = cli('--input', join(work, 'in'), '--db', join(work, 'ok.duckdb'), '--out', join(work, 'out'), '--quiet');
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toBe('');
  });

  it('names the file, the column and the accepted headers when a required column is missing', () => {
    mkdirSync(join(work, 'missing'));
    writeFileSync(join(work, 'missing', '工单.csv'), '工单号,网点编号,服务类型,受理时间\nGD1,W1,维修,2026-03-01 09:00\n');
    const run = cli('--input', join(work, 'missing'), '--db', join(work, 'missing.duckdb'), '--out', join(work, 'out2'));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: 工单.csv: required column status is missing (accepted headers: status, 工单状态, 状态)\n');
  });

  it('rejects a bad config value with one line', () => {
    writeFileSync(join(work, 'bad-config.json'), JSON.stringify({ revisit: { window_hours: -1 } }));
    const run = cli('--input', join(work, 'in'), '--db', join(work, 'c.duckdb'), '--config', join(work, 'bad-config.json'));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: config: revisit.window_hours must be at least 0 (got -1)\n');
  });

  it('exits 2 on a missing or wrong argument', () => {
    expect(cli().code).toBe(2);
    expect(cli().stderr).toMatch(/^error: --input is required\nusage:/);
    const notAFolder = cli('--input', join(work, 'nowhere'));
    expect(notAFolder.code).toBe(2);
    expect(notAFolder.stderr).toBe(`error: --input ${join(work, 'nowhere')} is not a folder\n`);
    expect(cli('--input', join(work, 'in'), '--bogus').code).toBe(2);
  });
});
