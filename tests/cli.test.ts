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
    expect(run.stdout).toMatch(/done in [\d.]+ s: 1 file loaded, 0 unchanged, 0 not recognised/);
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

  it('stops with exit 1, listing each file skipped and why and the names accepted, when no file is an export', () => {
    const input = join(work, 'no-export');
    mkdirSync(input);
    writeFileSync(join(input, 'notes.csv'), '说明,内容\n导出范围,2026-11\n');
    writeFileSync(join(input, 'readme.txt'), 'exports of November\n');
    writeFileSync(join(input, '工单_11月.xls'), Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
    writeFileSync(join(input, '联合导出.csv'), '工单号,网点编号,服务类型,受理时间,工单状态,回访编号,回访时间,是否接通\n');
    const run = cli('--input', input, '--db', join(work, 'no-export.duckdb'), '--out', join(work, 'no-export-out'));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      [
        `error: no export recognised in ${input}: 4 files skipped:`,
        "  notes.csv: the name matches no export kind, and its header has no kind's required columns",
        '  readme.txt: extension .txt is not .csv or .xlsx',
        '  工单_11月.xls: an Excel 97-2003 workbook (.xls), which cannot be read: open it in Excel and save it as .xlsx',
        '  联合导出.csv: the name matches no export kind, and its header matches tickets and revisits',
        "an export's name starts with its kind: tickets…/工单…, revisits…/回访…, complaints…/投诉…, violations…/违规…, technicians…/工程师…, outlets…/网点…, appeals…/申诉… (case does not matter), or its header has the kind's columns; its extension is .csv or .xlsx",
        '',
      ].join('\n'),
    );
    expect(run.stdout).not.toContain('done in');
    // nothing was published
    expect(existsSync(join(work, 'no-export-out', 'manifest.json'))).toBe(false);
  });

  describe('the rejected rows of a run', () => {
    const header = '工单号,网点编号,工程师工号,服务类型,受理时间,完工时间,工单状态,联系电话,用户电话';
    const good = (id: string) => `${id},W1,T1,维修,2026-03-01 09:00,2026-03-02 13:00,已完成,13800138000,13800138000`;
    const lines = [
      header,
      good('GD1'),
      'GD2,W1,T1,维修,2026-13-01 09:00,2026-03-02 13:00,已完成,13800138000,',
      // a phone number where a service type belongs: masked even there
      'GD3,W1,T1,139 0013 9000,2026-03-01 09:00,2026-03-02 13:00,已完成,,',
      // the customer's phone given twice, two numbers: never shown
      'GD4,W1,T1,维修,2026-03-01 09:00,2026-03-02 13:00,已完成,13800138000,13700137000',
      // a row rejected whole: its raw line (with a phone number) is not shown
      'GD5,W1,T1,维修,2026-03-01 09:00,2026-03-02 13:00,已完成,13600136000,,extra',
      good('GD1'),
      ...Array.from({ length: 6 }, (_, i) => `GD${i + 6},W1,T1,"=HYPERLINK(""x"")",2026-03-01 09:00,2026-03-02 13:00,已完成,,`),
    ];
    const expectedCsv = [
      '\uFEFFfile,line,column,reason,value',
      '工单.csv,3,created_at,invalid_timestamp,2026-13-01 09:00',
      '工单.csv,4,service_type,unknown_value,***',
      '工单.csv,5,customer_phone,conflicting_values,***',
      '工单.csv,6,,too_many_columns,',
      '工单.csv,7,ticket_id,duplicate_key,GD1',
      ...Array.from({ length: 6 }, (_, i) => `工单.csv,${i + 8},service_type,unknown_value,"'=HYPERLINK(""x"")"`),
      '',
    ].join('\r\n');

    it('lists the first 10 (file:line, column, reason, the value when it may be shown) and says where all of them are', () => {
      const input = join(work, 'rejects-in');
      mkdirSync(input);
      writeFileSync(join(input, '工单.csv'), lines.join('\n') + '\n');
      const run = cli('--input', input, '--db', join(work, 'rejects.duckdb'), '--out', join(work, 'rejects-out'));
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const summary = run.stdout.slice(run.stdout.indexOf('11 rows rejected'), run.stdout.indexOf('done in'));
      expect(summary).toBe(
        [
          '11 rows rejected in the files of this run, the first 10 (file:line, column, reason, value):',
          '  工单.csv:3  created_at  invalid_timestamp  "2026-13-01 09:00"',
          '  工单.csv:4  service_type  unknown_value  "***"',
          '  工单.csv:5  customer_phone  conflicting_values',
          '  工单.csv:6  -  too_many_columns',
          '  工单.csv:7  ticket_id  duplicate_key  "GD1"',
          ...Array.from({ length: 5 }, (_, i) => `  工单.csv:${i + 8}  service_type  unknown_value  "=HYPERLINK(\\"x\\")"`),
          '  … and 1 more',
          "all of them: the dashboard's data-quality page (up to 200 a file); every one as a CSV: run with --rejects FILE",
          '',
        ].join('\n'),
      );
      expect(run.stdout).not.toMatch(/1[36]\d{9}|0013|13700|13600/);
      // --quiet: nothing of it
      const quiet = cli('--input', input, '--db', join(work, 'rejects.duckdb'), '--out', join(work, 'rejects-out'), '--quiet');
      expect(quiet.code).toBe(0);
      expect(quiet.stdout).toBe('');
    });

    it('writes every one of them with --rejects FILE, also when the files were loaded before', () => {
      const input = join(work, 'rejects-in-2');
      mkdirSync(input);
      writeFileSync(join(input, '工单.csv'), lines.join('\n') + '\n');
      const csv = join(work, 'rejects.csv');
      for (const round of ['first', 'unchanged']) {
        const run = cli('--input', input, '--db', join(work, 'rejects-2.duckdb'), '--out', join(work, 'rejects-out-2'), '--rejects', csv);
        expect(run.stderr, round).toBe('');
        expect(run.code, round).toBe(0);
        expect(run.stdout, round).toContain(`all of them: the dashboard's data-quality page (up to 200 a file); every one written to ${csv}\n`);
        const written = readFileSync(csv, 'utf8');
        expect(written, round).toBe(expectedCsv);
        // no raw line, no phone digits
        expect(written, round).not.toMatch(/extra|13800|13600|13700|0013/);
      }
    });

    it('says so when nothing was rejected, and refuses a --rejects file in a folder that does not exist', () => {
      const csv = join(work, 'none.csv');
      const run = cli('--input', join(work, 'in'), '--db', join(work, 'none.duckdb'), '--out', join(work, 'none-out'), '--rejects', csv);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`no rows rejected; wrote the empty list to ${csv}\n`);
      expect(readFileSync(csv, 'utf8')).toBe('\uFEFFfile,line,column,reason,value\r\n');
      const nowhere = join(work, 'nowhere', 'rejects.csv');
      const refused = cli('--input', join(work, 'in'), '--db', join(work, 'none.duckdb'), '--rejects', nowhere);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(`error: --rejects ${nowhere}: the folder ${join(work, 'nowhere')} does not exist\n`);
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
