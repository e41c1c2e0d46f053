// The command line as a user meets it: one-line errors and exit codes, never a stack trace.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
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

  it('stops before loading, with one line, when the output folder cannot be written', () => {
    writeFileSync(join(work, 'a-file'), '');
    const out = join(work, 'a-file', 'out');
    const run = cli('--input', join(work, 'in'), '--db', join(work, 'unwritten.duckdb'), '--out', out);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: cannot write to the output folder ${out}: ENOTDIR: not a directory, mkdir '${out}'\n`);
    expect(run.stdout).not.toContain('loaded');
    expect(existsSync(join(work, 'unwritten.duckdb'))).toBe(false);
  });

  describe('the output folder lock', () => {
    const lockOf = (pid: number, processStart: string | null) =>
      JSON.stringify({ pid, host: hostname(), started_at: '2026-12-01 08:00:00', process_start: processStart }) + '\n';

    it('stops a run while another live run holds the folder, naming it, and leaves its lock alone', () => {
      const out = join(work, 'locked');
      mkdirSync(out);
      // this test's own process: alive
      writeFileSync(join(out, '.pipeline.lock'), lockOf(process.pid, null));
      const run = cli('--input', join(work, 'in'), '--db', join(work, 'locked.duckdb'), '--out', out);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `error: another run (pid ${process.pid}, started 2026-12-01 08:00:00) is writing to the output folder ${out}; wait for it to finish and try again (if no run is active, remove ${out}/.pipeline.lock)\n`,
      );
      expect(readFileSync(join(out, '.pipeline.lock'), 'utf8')).toBe(lockOf(process.pid, null));
      expect(existsSync(join(work, 'locked.duckdb'))).toBe(false);
    });

    it("takes over the lock of a run that is gone, or whose pid is now another process's, and frees it at the end", () => {
      const gone = spawnSync(process.execPath, ['-e', '']).pid!;
      // a live pid, but not the process that took the lock: it started at another time
      for (const [name, lock, holder] of [['gone', lockOf(gone, null), `pid ${gone}`], ['reused', lockOf(process.pid, '1'), `pid ${process.pid}`]] as const) {
        const out = join(work, `stale-${name}`);
        mkdirSync(out);
        writeFileSync(join(out, '.pipeline.lock'), lock);
        const run = cli('--input', join(work, 'in'), '--db', join(work, `stale-${name}.duckdb`), '--out', out);
        expect(run.stderr, name).toBe('');
        expect(run.code, name).toBe(0);
        expect(run.stdout, name).toContain(`the output folder's lock of ${holder}, started 2026-12-01 08:00:00 was left by a run no longer running: taken over\n`);
        expect(readdirSync(out).sort(), name).toEqual(['manifest.json', 'runs']);
      }
    });
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
