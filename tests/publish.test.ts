// The publish step: the run folder's files as dashboard/DATA.md lays them out (HR's workbook read
// back cell by cell); an incremental publish (the months the builds since the manifest's changed,
// as the database's publish state has them) that comes out byte for byte as a full publish of the
// same database, sharing the other months' files with the previous run by hard links and never
// touching a published folder, and nothing shared with a run of another build or database; a month
// of manual violations only, published with its statements; and every dashboard page's data within
// the budget at 600 outlets and 5,000 technicians.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import { Db } from '../pipeline/common/db.ts';
import { generateSample } from '../pipeline/sample/index.ts';
import { COMPRESS_FROM_BYTES, HISTORY_SHARDS, historyShard, monthFiles, publish, PUBLISH_FORMAT, settlementMonthFiles, type Manifest, type RunInfo } from '../pipeline/publish/index.ts';
import { runPipeline } from '../pipeline/run.ts';
import { applyConfig, currentBuild } from '../pipeline/build/index.ts';
import { backlogReport } from '../pipeline/publish/reports.ts';
import { asFileSystemError } from '../pipeline/publish/run-folder.ts';
import { fixtureDb, ticket, tickets } from './helpers.ts';
import { linesPageRows, outletFilesOf, outletRows, rendered, renderedLinesPage, renderedOutletFileOrNull } from './downloads.ts';

const config = defaultConfig();
const MONTH = '2026-05';

let work: string;
let db: Db;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sq-publish-test-'));
  await runPipeline({ input: 'data/sample', db: join(work, 'w.duckdb'), config });
  db = await Db.open(join(work, 'w.duckdb'), config);
  await applyConfig(db, config);
}, 120_000);

afterAll(() => {
  db?.close();
  rmSync(work, { recursive: true, force: true });
});

function runInfo(runId: string): RunInfo {
  return { runId, startedAt: '2026-11-01 08:00:00', startedMs: performance.now(), files: [], config };
}

/** Every file of a folder by its path inside it. */
function filesOf(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

function runDir(out: string, runId: string): string {
  return join(out, 'runs', runId);
}

/** What a model build that rewrote these months records: a new build id, the months pending. */
async function simulateBuild(months: string[]): Promise<string> {
  const buildId = `test-build-${months.join('-')}-${performance.now()}`;
  await db.connection.run(`update model_build_state set build_id = $1`, [buildId]);
  for (const month of months) await db.connection.run(`insert into publish_pending values ($1, $2)`, [buildId, month]);
  return buildId;
}

/** A full publish of the database as it is, into a folder of its own. */
async function fullPublish(runId: string): Promise<string> {
  const out = join(work, `full-${runId}`);
  await publish(db, out, runInfo(runId));
  return runDir(out, runId);
}

/** The two run folders hold the same files, byte for byte, but run.json (the run's own times). */
function expectSameRun(actual: string, expected: string): void {
  const names = filesOf(expected).filter((f) => f !== 'run.json');
  expect(filesOf(actual).filter((f) => f !== 'run.json')).toEqual(names);
  for (const name of names) {
    expect(readFileSync(join(actual, name)).equals(readFileSync(join(expected, name))), name).toBe(true);
  }
}

function fingerprint(dir: string): Map<string, string> {
  return new Map(filesOf(dir).map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));
}

function inode(path: string): number {
  return statSync(path).ino;
}

/** RFC 4180 records: quoted fields, doubled quotes, CRLF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  return records;
}

function json<T = Record<string, unknown>[]>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

describe('a full publish', () => {
  let out: string;
  let run: string;
  let manifest: Manifest;

  beforeAll(async () => {
    out = join(work, 'full');
    manifest = await publish(db, out, runInfo('20261101T080000-001'));
    run = join(out, manifest.folder);
  }, 60_000);

  it('writes every month file, and the manifest last', async () => {
    // twelve months of tickets, and 2026-11, whose revisits settle October's last tickets
    expect(manifest.months).toHaveLength(13);
    expect(manifest.latest_month).toBe('2026-10');
    expect(manifest.format).toBe(PUBLISH_FORMAT);
    expect(manifest.build_id).toBe(await currentBuild(db));
    expect(manifest.build_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // published: nothing pending, the build confirmed
    expect(await db.all(`select * from publish_pending`)).toEqual([]);
    expect(await db.all(`select * from published_build`)).toEqual([{ build_id: manifest.build_id }]);
    expect(json<Manifest>(join(out, 'manifest.json'))).toEqual(manifest);
    for (const month of manifest.months) for (const file of monthFiles(month)) expect(existsSync(join(run, file)), file).toBe(true);
    for (const file of ['network.json', 'quality.json', 'backlog.json', 'run.json']) expect(existsSync(join(run, file)), file).toBe(true);
    expect(readdirSync(join(out, 'runs')).filter((d) => d.startsWith('.'))).toEqual([]);
  });

  it('puts a gzip copy of the same bytes beside every large page file, and only there', () => {
    const pages = filesOf(run).filter((f) => f.endsWith('.json'));
    expect(pages.filter((f) => existsSync(join(run, `${f}.gz`))).length).toBeGreaterThan(20);
    for (const page of pages) {
      const raw = readFileSync(join(run, page));
      expect(existsSync(join(run, `${page}.gz`)), page).toBe(raw.length >= COMPRESS_FROM_BYTES);
      if (raw.length >= COMPRESS_FROM_BYTES) expect(gunzipSync(readFileSync(join(run, `${page}.gz`))).equals(raw), page).toBe(true);
    }
    expect(filesOf(run).filter((f) => f.endsWith('.gz') && !f.endsWith('.json.gz'))).toEqual([]);
  });

  it("groups the technicians' histories into the shard files the pages compute", async () => {
    const shards = filesOf(join(run, 'technician_history')).filter((f) => f.endsWith('.json'));
    expect(shards).toEqual(Array.from({ length: HISTORY_SHARDS }, (_, i) => `${String(i).padStart(2, '0')}.json`));
    const published: Record<string, unknown>[] = [];
    for (const shard of shards) {
      const rows = json(join(run, 'technician_history', shard));
      for (const row of rows) expect(`${historyShard(String(row.technician_id))}.json`).toBe(shard);
      published.push(...rows);
    }
    const expected = await db.all(`select technician_id, month, tickets_completed, complaint_rank from kpi_technician_month order by technician_id, month`);
    published.sort((a, b) => String(a.technician_id).localeCompare(String(b.technician_id)) || String(a.month).localeCompare(String(b.month)));
    expect(published.map((r) => ({ technician_id: r.technician_id, month: r.month, tickets_completed: r.tickets_completed, complaint_rank: r.complaint_rank }))).toEqual(expected);
  });

  it('publishes the repeat and follow-up measures in every KPI file, the outlets\' copies included, and not in the ranking', async () => {
    const measures = ['repeat_repairs', 'repeat_repair_rate', 'followup_due', 'followup_week', 'followup_month', 'followup_week_rate', 'followup_month_rate'];
    const pick = (rows: Record<string, unknown>[], keys: string[]) => rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]])));
    const network = await db.all(`select month, ${measures.join(', ')} from kpi_network_month order by month`);
    expect(network.reduce((a, r) => a + Number(r.repeat_repairs), 0)).toBeGreaterThan(100);
    expect(pick(json(join(run, 'network.json')), ['month', ...measures])).toEqual(network);
    const technicians = await db.all(`select technician_id, ${measures.join(', ')} from kpi_technician_month where month = '${MONTH}' order by technician_id, outlet_id`);
    expect(pick(json(join(run, 'technicians', `${MONTH}.json`)), ['technician_id', ...measures])).toEqual(technicians);
    const outlets = await db.all(`select outlet_id, ${measures.join(', ')} from kpi_outlet_month where month = '${MONTH}' order by outlet_rank nulls last, outlet_id`);
    expect(pick(json(join(run, 'outlets', `${MONTH}.json`)), ['outlet_id', ...measures])).toEqual(outlets);
    // an outlet's own technicians file carries them byte for byte; the ranking every account reads does not
    const outlet = String(outlets[0]!.outlet_id);
    const own = (await outletRows(run, outlet, 'technicians.json')).filter((r) => r.month === MONTH);
    expect(own).toEqual(json(join(run, 'technicians', `${MONTH}.json`)).filter((r) => r.outlet_id === outlet));
    expect(own.length).toBeGreaterThan(0);
    for (const row of json(join(run, 'ranking', `${MONTH}.json`))) expect(Object.keys(row).filter((k) => measures.includes(k))).toEqual([]);
  });

  it("publishes every outlet's history with its ranks counted, and each outlet's own rows in its folder", async () => {
    const expected = await db.all(`
      with ranked as (
        select month, count(outlet_rank) as ranked_outlets from kpi_outlet_month group by month
      ),
      in_tier as (
        select month, tier, count(tier_rank) as ranked_in_tier from kpi_outlet_month group by month, tier
      )
      select k.month, k.outlet_id, o.name as outlet_name, k.tier, k.tickets_completed, k.revisit_coverage, k.satisfied_rate,
             k.on_time_rate, k.complaint_rate, k.composite, k.outlet_rank, k.tier_rank, r.ranked_outlets, t.ranked_in_tier,
             k.repeat_repair_rate, k.followup_week_rate, k.followup_month_rate
      from kpi_outlet_month as k
      join ranked as r using (month)
      join in_tier as t on t.month = k.month and t.tier is not distinct from k.tier
      left join stg_outlets as o on o.outlet_id = k.outlet_id
      order by k.outlet_id, k.month`);
    const history = json(join(run, 'outlet_history.json'));
    expect(history).toEqual(expected);
    expect(history.length).toBeGreaterThan(100);
    // every month, every ranked outlet counted: the ranks of a month run from 1 to at most the count
    for (const row of history) if (row.outlet_rank !== null) expect(Number(row.outlet_rank)).toBeLessThanOrEqual(Number(row.ranked_outlets));
    for (const outlet of new Set(history.map((r) => String(r.outlet_id)))) {
      expect(await outletRows(run, outlet, 'outlet_history.json'), outlet).toEqual(history.filter((r) => r.outlet_id === outlet));
    }
  });

  it('lists the follow-up calls still due and those missed in the backlog, as the KPI tables count them', async () => {
    const backlog = json<{ as_of: string; followups: { total: number; by_state: { call: string; state: string; followups: number }[]; rows: Record<string, unknown>[] } }>(join(run, 'backlog.json'));
    const { followups } = backlog;
    // worked out here from the verdicts and the calls, apart from the publish query
    const expected = await db.all(`
      with verdicts as (
        select ticket_id, outlet_id, technician_id, completed_at, verdict_at from int_ticket_outcomes where verdict = 'unsatisfied'
      ),
      calls as (
        select v.ticket_id,
               count(r.revisit_id) filter (where r.revisit_at <= v.verdict_at + interval 7 day) as in_week,
               count(r.revisit_id) as in_month, min(r.revisit_at) as first_at, max(r.revisit_at) as last_at
        from verdicts as v
        left join stg_revisits as r on r.ticket_id = v.ticket_id and r.reached and r.revisit_at > v.verdict_at and r.revisit_at <= v.verdict_at + interval 30 day
        group by v.ticket_id
      ),
      due as (
        select v.*, c.in_week, c.in_month, c.last_at, '${backlog.as_of}'::timestamp as as_of,
               c.in_week > 0 as week_done, c.in_month >= 2 and c.first_at <= v.verdict_at + interval 7 day as month_done
        from verdicts as v join calls as c using (ticket_id)
      ),
      both_calls as (
        select *, 'week' as call, verdict_at + interval 7 day as due_by,
               case when as_of <= verdict_at + interval 7 day then 'due' else 'missed' end as state
        from due where not week_done
        union all
        select *, 'month' as call, verdict_at + interval 30 day as due_by,
               case when as_of > verdict_at + interval 30 day or (not week_done and as_of > verdict_at + interval 7 day) then 'missed' else 'due' end as state
        from due where not month_done
      )
      select ticket_id, outlet_id, technician_id, strftime(completed_at, '%Y-%m-%d %H:%M:%S') as completed_at,
             strftime(verdict_at, '%Y-%m-%d %H:%M:%S') as verdict_at, call, strftime(due_by, '%Y-%m-%d %H:%M:%S') as due_by, state,
             in_month as calls_made, strftime(last_at, '%Y-%m-%d %H:%M:%S') as last_call_at
      from both_calls
      where state = 'due' or due_by >= as_of - interval 30 day
      order by due_by, ticket_id, call`);
    expect(followups.rows).toEqual(expected);
    expect(followups.total).toBe(expected.length);
    const count = (call: string, state: string) => expected.filter((r) => r.call === call && r.state === state).length;
    expect(followups.by_state).toEqual(['week', 'month'].flatMap((call) => ['due', 'missed'].map((state) => ({ call, state, followups: count(call, state) }))));
    // the sample has calls of every kind: due and missed, with and without a call made
    expect(count('month', 'due')).toBeGreaterThan(0);
    expect(count('week', 'missed') + count('month', 'missed')).toBeGreaterThan(0);
    expect(expected.some((r) => Number(r.calls_made) > 0) && expected.some((r) => Number(r.calls_made) === 0)).toBe(true);
    // no customer data: ids, times, counts and states only
    expect(Object.keys(followups.rows[0]!)).toEqual(['ticket_id', 'outlet_id', 'technician_id', 'completed_at', 'verdict_at', 'call', 'due_by', 'state', 'calls_made', 'last_call_at']);
  });

  it("publishes a month's statement lines in one file, in HR's order", async () => {
    // made by the server from the month's penalty lines (download_rows/penalty_lines/<month>.parquet)
    expect(existsSync(join(run, 'penalty_lines'))).toBe(false);
    const lines = await linesPageRows(run, MONTH);
    const expected = await db.all(`
      select technician_id, rule_id, amount, ticket_id, revisit_id, complaint_id, violation_id
      from penalty_lines where month = '${MONTH}'
      order by technician_id, occurred_at, rule_id, ticket_id, revisit_id, complaint_id, violation_id`);
    expect(expected.length).toBe(17);
    expect(lines.map((l) => ({ technician_id: l.technician_id, rule_id: l.rule_id, amount: l.amount, ticket_id: l.ticket_id, revisit_id: l.revisit_id, complaint_id: l.complaint_id, violation_id: l.violation_id }))).toEqual(expected);
  });

  it("writes each language's workbook with its CSV's rows: text as text, amounts as numbers, times as dates; the summary as penalty_totals", async () => {
    const lineCount = await db.value<number>(`select count(*)::integer from penalty_lines where month = '${MONTH}'`);
    const expected = await db.all(`select technician_id, violations, amount::double as amount, training from penalty_totals where month = '${MONTH}' order by technician_id`);
    for (const [suffix, yes] of [['', '是'], ['.en', 'Yes']] as const) {
      const csv = parseCsv((await rendered(run, `penalties/${MONTH}${suffix}.csv`)).toString('utf8').replace(/^\uFEFF/, ''));
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load((await rendered(run, `penalties/${MONTH}${suffix}.xlsx`)) as never);
      const [statement, summary] = workbook.worksheets;
      // a line per penalty line, a subtotal per technician, the total
      expect([statement!.rowCount, csv.length]).toEqual([1 + lineCount + expected.length + 1, 1 + lineCount + expected.length + 1]);
      statement!.eachRow((row, n) => {
        const fields = csv[n - 1]!;
        const cells = fields.map((_, i) => row.getCell(i + 1).value);
        if (n === 1) return expect(cells).toEqual(fields);
        expect(typeof cells[7], `amount, row ${n}`).toBe('number');
        expect(cells[7]).toBe(Number(fields[7]));
        expect(cells[9] instanceof Date ? cells[9].toISOString().replace('T', ' ').slice(0, 19) : cells[9] ?? '', `time, row ${n}`).toBe(fields[9]);
        // text: as in the CSV, without the apostrophe the CSV puts before a formula-looking text
        const texts = (values: unknown[]) => values.filter((_, i) => i !== 7 && i !== 9).map((v) => (v === null ? '' : String(v).replace(/^'(?=[=+\-@\t\r])/, '')));
        expect(texts(cells)).toEqual(texts(fields));
      });
      const sheet: Record<string, unknown>[] = [];
      summary!.eachRow((row, n) => {
        if (n > 1 && n < summary!.rowCount) sheet.push({ technician_id: row.getCell(2).value, violations: row.getCell(6).value, amount: row.getCell(8).value, training: row.getCell(9).value === yes });
      });
      expect(sheet).toEqual(expected);
    }
  });
});

describe('an incremental publish', () => {
  let inc: string;

  beforeAll(async () => {
    inc = join(work, 'incremental');
    await publish(db, inc, runInfo('20261101T090000-001'));
  }, 60_000);

  it('with no month pending, shares every month file with the previous run and matches a full publish', async () => {
    const before = fingerprint(runDir(inc, '20261101T090000-001'));
    const manifest = await publish(db, inc, runInfo('20261101T090000-002'));
    expectSameRun(runDir(inc, '20261101T090000-002'), await fullPublish('20261101T090000-002'));
    for (const month of manifest.months) {
      for (const file of monthFiles(month)) {
        expect(inode(join(runDir(inc, '20261101T090000-002'), file)), file).toBe(inode(join(runDir(inc, '20261101T090000-001'), file)));
      }
    }
    // files spanning the months are written anew
    expect(inode(join(runDir(inc, '20261101T090000-002'), 'technician_history', '00.json'))).not.toBe(inode(join(runDir(inc, '20261101T090000-001'), 'technician_history', '00.json')));
    expect(fingerprint(runDir(inc, '20261101T090000-001'))).toEqual(before);
  }, 60_000);

  it("after a build rewrote one month's rows, writes that month anew and matches a full publish", async () => {
    const previous = runDir(inc, '20261101T090000-002');
    const before = fingerprint(previous);
    await db.run(`update kpi_technician_month set tickets_completed = tickets_completed + 1 where month = '${MONTH}'`);
    await db.run(`update kpi_outlet_month set complaints = complaints + 1 where month = '${MONTH}'`);
    // (penalty_lines is a view: the open months' lines are int_penalty_lines')
    await db.run(`update int_penalty_lines set amount = amount + 5 where month = '${MONTH}'`);
    await db.run(`update penalty_totals set amount = amount + 5 where month = '${MONTH}'`);
    const buildId = await simulateBuild([MONTH]);

    const manifest = await publish(db, inc, runInfo('20261101T090000-003'));
    expect(manifest.build_id).toBe(buildId);
    const current = runDir(inc, '20261101T090000-003');
    expectSameRun(current, await fullPublish('20261101T090000-003'));
    for (const month of manifest.months) {
      for (const file of monthFiles(month)) {
        const shared = inode(join(current, file)) === inode(join(previous, file));
        expect(shared, file).toBe(month !== MONTH);
      }
    }
    // the settlement of the months before it is taken over (settlementMonths), the outlets' rows with it
    for (const month of manifest.months) {
      for (const file of settlementMonthFiles(month)) expect(inode(join(current, file)) === inode(join(previous, file)), file).toBe(month < MONTH);
    }
    expect(readFileSync(join(current, 'technicians', `${MONTH}.json`)).equals(readFileSync(join(previous, 'technicians', `${MONTH}.json`)))).toBe(false);
    expect((await rendered(current, `penalties/${MONTH}.xlsx`)).equals(await rendered(previous, `penalties/${MONTH}.xlsx`))).toBe(false);
    // the earlier run is still exactly what it was
    expect(fingerprint(previous)).toEqual(before);
    expect(await db.all(`select * from publish_pending`)).toEqual([]);
    expect(await db.all(`select * from published_build`)).toEqual([{ build_id: buildId }]);
  }, 60_000);

  it('writes every month pending since the manifest, of every build since, though the last build rewrote only one', async () => {
    const previous = runDir(inc, '20261101T090000-003');
    // two builds that were never published (a publish failed or was killed after each)
    await db.run(`update kpi_network_month set complaints = complaints + 1 where month = '2026-02'`);
    await simulateBuild(['2026-02']);
    await db.run(`update int_penalty_lines set amount = amount + 1 where month = '2026-07'`);
    await simulateBuild(['2026-07']);
    await publish(db, inc, runInfo('20261101T090000-004'));
    const current = runDir(inc, '20261101T090000-004');
    expectSameRun(current, await fullPublish('20261101T090000-004'));
    expect(inode(join(current, 'outlets', '2026-02.json'))).not.toBe(inode(join(previous, 'outlets', '2026-02.json')));
    expect(inode(join(current, 'download_rows', 'penalty_lines', '2026-07.parquet'))).not.toBe(inode(join(previous, 'download_rows', 'penalty_lines', '2026-07.parquet')));
    expect(inode(join(current, 'download_rows', 'penalty_lines', '2026-06.parquet'))).toBe(inode(join(previous, 'download_rows', 'penalty_lines', '2026-06.parquet')));
  }, 60_000);

  it('writes the months the previous run lacks, and everything when the previous run is of another format, build or database, or there is no manifest', async () => {
    // a previous run missing a month's file: that month is written, the others still shared
    const previous = runDir(inc, '20261101T090000-004');
    rmSync(join(previous, 'outlets', '2026-01.json'));
    await publish(db, inc, runInfo('20261101T090000-005'));
    const current = runDir(inc, '20261101T090000-005');
    expectSameRun(current, await fullPublish('20261101T090000-005'));
    expect(inode(join(current, 'technicians', '2026-01.json'))).not.toBe(inode(join(previous, 'technicians', '2026-01.json')));
    expect(inode(join(current, 'technicians', '2026-02.json'))).toBe(inode(join(previous, 'technicians', '2026-02.json')));

    // a manifest of another format, of a build this database does not know (another database, or
    // an older state of this one published elsewhere meanwhile), or none: nothing is shared
    const manifestPath = join(inc, 'manifest.json');
    const cases: [string, () => void][] = [
      ['20261101T090000-006', () => writeFileSync(manifestPath, JSON.stringify({ ...json<Manifest>(manifestPath), format: 1 }))],
      ['20261101T090000-007', () => writeFileSync(manifestPath, JSON.stringify({ ...json<Manifest>(manifestPath), build_id: 'another-database' }))],
      ['20261101T090000-008', () => writeFileSync(manifestPath, JSON.stringify({ ...json<Manifest>(manifestPath), build_id: undefined }))],
      ['20261101T090000-009', () => rmSync(manifestPath)],
    ];
    let last = current;
    for (const [runId, spoil] of cases) {
      spoil();
      await publish(db, inc, runInfo(runId));
      expectSameRun(runDir(inc, runId), await fullPublish(runId));
      expect(inode(join(runDir(inc, runId), 'technicians', '2026-02.json')), runId).not.toBe(inode(join(last, 'technicians', '2026-02.json')));
      last = runDir(inc, runId);
    }
    // three runs kept
    expect(readdirSync(join(inc, 'runs')).sort()).toEqual(['20261101T090000-007', '20261101T090000-008', '20261101T090000-009']);
  }, 120_000);

  it('prunes the staging folders and manifests that failed or killed publishes left', async () => {
    mkdirSync(join(inc, 'runs', '.incomplete-20261101T085959-001', 'penalties'), { recursive: true });
    writeFileSync(join(inc, 'runs', '.incomplete-20261101T085959-001', 'penalties', '2026-05.csv'), 'half');
    writeFileSync(join(inc, '.manifest-20261101T085959-001.json'), '{');
    await publish(db, inc, runInfo('20261101T090000-010'));
    expect(readdirSync(join(inc, 'runs')).sort()).toEqual(['20261101T090000-008', '20261101T090000-009', '20261101T090000-010']);
    expect(readdirSync(inc).sort()).toEqual(['manifest.json', 'runs']);
  }, 60_000);
});

describe('the follow-up backlog, hand-worked (spec 5.3)', () => {
  it('states each call of each unsatisfied verdict at the latest time in the data: done, due or missed', async () => {
    // every ticket completed 2026-03-02 13:00; V is the unsatisfied verdict call; the data ends on
    // 2026-04-04 10:00 (a call to a satisfied customer): the week call of a verdict of 03-28 10:00 is
    // due exactly then, still due
    const unsatisfied = (ticket_id: string, at: string) => ({ revisit_id: `${ticket_id}-V`, ticket_id, revisit_at: at, result: 'unsatisfied' });
    const call = (ticket_id: string, n: number, at: string, reached = true) => ({ revisit_id: `${ticket_id}-${n}`, ticket_id, revisit_at: at, reached });
    const db = await fixtureDb({
      tickets: [
        ...['A', 'B', 'C', 'D', 'E', 'F', 'G', 'S'].map((id) => ticket(id, { technician_id: `T-${id}` })),
        // a verdict long before: its calls were missed too long ago to be listed
        ticket('OLD', { created_at: '2026-01-05 08:00:00', appointment_start: null, appointment_end: null, arrived_at: null, completed_at: '2026-01-05 13:00:00' }),
      ],
      revisits: [
        // A: a call at the week's last moment and a second within the month: nothing to list
        unsatisfied('A', '2026-03-03 10:00:00'), call('A', 1, '2026-03-10 10:00:00'), call('A', 2, '2026-03-20 09:00:00'),
        // B: never called: both missed
        unsatisfied('B', '2026-03-03 10:00:00'),
        // C: called within the week only: the month call missed
        unsatisfied('C', '2026-03-03 10:00:00'), call('C', 1, '2026-03-08 09:00:00'),
        // D: the week ends at the as-of time: both due
        unsatisfied('D', '2026-03-28 10:00:00'),
        // E: an unanswered call is no call: both due
        unsatisfied('E', '2026-03-28 10:00:00'), call('E', 1, '2026-03-29 10:00:00', false),
        // F: the week is over without a call: the month call can no longer be met
        unsatisfied('F', '2026-03-20 10:00:00'),
        // G: called within the week: the month call due
        unsatisfied('G', '2026-03-30 10:00:00'), call('G', 1, '2026-03-31 10:00:00'),
        unsatisfied('OLD', '2026-01-06 10:00:00'),
        { revisit_id: 'S-1', ticket_id: 'S', revisit_at: '2026-04-04 10:00:00', result: 'satisfied' },
      ],
    });
    try {
      const report = (await backlogReport(db)) as { as_of: string; followups: { total: number; by_state: unknown[]; rows: Record<string, unknown>[] } };
      expect(report.as_of).toBe('2026-04-04 10:00:00');
      const row = (id: string, call: string, due_by: string, state: string, calls_made = 0, last_call_at: string | null = null) => ({
        ticket_id: id, call, due_by, state, calls_made, last_call_at,
      });
      expect(report.followups.rows.map((r) => ({ ticket_id: r.ticket_id, call: r.call, due_by: r.due_by, state: r.state, calls_made: r.calls_made, last_call_at: r.last_call_at }))).toEqual([
        row('B', 'week', '2026-03-10 10:00:00', 'missed'),
        row('F', 'week', '2026-03-27 10:00:00', 'missed'),
        row('B', 'month', '2026-04-02 10:00:00', 'missed'),
        row('C', 'month', '2026-04-02 10:00:00', 'missed', 1, '2026-03-08 09:00:00'),
        row('D', 'week', '2026-04-04 10:00:00', 'due'),
        row('E', 'week', '2026-04-04 10:00:00', 'due'),
        row('F', 'month', '2026-04-19 10:00:00', 'missed'),
        row('D', 'month', '2026-04-27 10:00:00', 'due'),
        row('E', 'month', '2026-04-27 10:00:00', 'due'),
        row('G', 'month', '2026-04-29 10:00:00', 'due', 1, '2026-03-31 10:00:00'),
      ]);
      expect(report.followups.rows[0]).toMatchObject({ outlet_id: 'W1', technician_id: 'T-B', completed_at: '2026-03-02 13:00:00', verdict_at: '2026-03-03 10:00:00' });
      expect(report.followups.total).toBe(10);
      expect(report.followups.by_state).toEqual([
        { call: 'week', state: 'due', followups: 2 },
        { call: 'week', state: 'missed', followups: 2 },
        { call: 'month', state: 'due', followups: 3 },
        { call: 'month', state: 'missed', followups: 3 },
      ]);
      // the KPI tables agree: of 8 unsatisfied verdicts, A, C and G were called within the week, A twice within the month
      expect(await db.all(`select followup_due, followup_week, followup_month from kpi_network_month where month = '2026-03'`)).toEqual([{ followup_due: 7, followup_week: 3, followup_month: 1 }]);
    } finally {
      db.close();
    }
  });
});

describe('a month of manual violations only', () => {
  let out: string;
  let manifest: Manifest;
  let run: string;

  beforeAll(async () => {
    // two tickets in March, on time, never called back: no line; a violation recorded in April
    const fixture = await fixtureDb({
      tickets: tickets('T1', 2),
      violations: [{ violation_id: 'V1', technician_id: 'T1', occurred_at: '2026-04-10 09:30:00', rule_id: 'IMAGE', amount: null, note: 'badge' }],
      technicians: [{ technician_id: 'T1', name: '王师傅', outlet_id: 'W1', status: 'active' }],
      outlets: [{ outlet_id: 'W1', name: '青岛一店', tier: 'service_center', city: 'Qingdao' }],
    });
    try {
      out = join(work, 'violations-only');
      manifest = await publish(fixture, out, runInfo('20261101T110000-001'));
    } finally {
      fixture.close();
    }
    run = join(out, manifest.folder);
  }, 60_000);

  it('is a published month, with its statements, while the pages open on the latest month with KPIs', async () => {
    expect([manifest.months, manifest.latest_month]).toEqual([['2026-03', '2026-04'], '2026-03']);
    for (const file of monthFiles('2026-04')) expect(existsSync(join(run, file)), file).toBe(true);
    expect(json(join(run, 'penalties', '2026-04.json'))).toEqual([
      { month: '2026-04', technician_id: 'T1', technician_name: '王师傅', outlet_id: 'W1', outlet_name: '青岛一店', violations: 1, amount: 20, adjustments: 0, amount_due: 20, violations_ytd: 1, training: false, dismissal_review: false, training_reason: null, dismissal_reason: null },
    ]);
    const line = {
      month: '2026-04', technician_id: 'T1', outlet_id: 'W1', rule_id: 'IMAGE', rule_name_zh: '上门形象不规范', rule_name_en: 'Uniform or badge not shown',
      amount: 20, occurred_at: '2026-04-10 09:30:00', ticket_id: null, revisit_id: null, complaint_id: null, violation_id: 'V1', dismissal: false,
      line_id: 'IMAGE:V1', appeal_id: null, appeal_decision: null, amount_before_appeal: 20,
    };
    expect(await linesPageRows(run, '2026-04')).toEqual([line]);
    expect((await rendered(run, 'penalties/2026-04.csv')).toString('utf8')).toBe(
      '\uFEFF月份,工号,姓名,网点,网点名称,规则,说明,金额,证据,发生时间,除名项,处理\r\n' +
        '2026-04,T1,王师傅,W1,青岛一店,IMAGE,上门形象不规范,20.00,违规记录 V1,2026-04-10 09:30:00,否,\r\n' +
        '2026-04,T1,王师傅,W1,青岛一店,,小计: 1 次违规,20.00,,,,\r\n' +
        '2026-04,,,,,,"合计: 1 人, 1 次违规",20.00,,,,停工培训 0 人；除名审核 0 人\r\n',
    );
    // March: tickets, no line
    expect(json(join(run, 'penalties', '2026-03.json'))).toEqual([]);
    // April's KPI pages: empty, as the pages read them (no row: "no data")
    for (const file of ['technicians/2026-04.json', 'outlets/2026-04.json', 'outlet_penalties/2026-04.json']) expect(json(join(run, file)), file).toEqual([]);
    expect(json(join(run, 'network.json')).map((r) => r.month)).toEqual(['2026-03']);
  });

  it("writes April's workbook with the line and the total", async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await rendered(run, 'penalties/2026-04.xlsx')) as never);
    const values = (name: string) => {
      const rows: unknown[][] = [];
      workbook.getWorksheet(name)!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
      return rows;
    };
    expect(values('罚款明细')).toEqual([
      ['月份', '工号', '姓名', '网点', '网点名称', '规则', '说明', '金额', '证据', '发生时间', '除名项', '处理'],
      ['2026-04', 'T1', '王师傅', 'W1', '青岛一店', 'IMAGE', '上门形象不规范', 20, '违规记录 V1', new Date('2026-04-10T09:30:00Z'), '否'],
      ['2026-04', 'T1', '王师傅', 'W1', '青岛一店', undefined, '小计: 1 次违规', 20],
      ['2026-04', undefined, undefined, undefined, undefined, undefined, '合计: 1 人, 1 次违规', 20, undefined, undefined, undefined, '停工培训 0 人；除名审核 0 人'],
    ]);
    expect(values('汇总')).toEqual([
      ['月份', '工号', '姓名', '网点', '网点名称', '违规次数', '本年累计违规', '金额', '停工培训', '培训原因', '除名审核', '除名原因'],
      ['2026-04', 'T1', '王师傅', 'W1', '青岛一店', 1, 1, 20, '否', undefined, '否'],
      ['2026-04', '合计', '1 人', undefined, undefined, 1, undefined, 20, '0 人', undefined, '0 人'],
    ]);
  });
});

describe('awkward text', () => {
  it('keeps it whole in the JSON and the CSV, escaped in the workbook, where XML drops only the control characters it cannot carry', async () => {
    const month = '2026-03';
    const text = ` 罚 & <b>"x", y${String.fromCharCode(1)}\ttab\r\nline `;
    const literal = `' 罚 & <b>"x", y' || chr(1) || chr(9) || 'tab' || chr(13) || chr(10) || 'line '`;
    const [first] = await db.all(`select technician_id, line_id from penalty_lines where month = '${month}' order by ${'technician_id, occurred_at, rule_id, ticket_id, revisit_id, complaint_id, violation_id'} limit 1`);
    // (penalty_lines is a view: the open months' lines are int_penalty_lines')
    await db.run(`update int_penalty_lines set rule_name_en = ${literal} where month = '${month}' and line_id = '${first!.line_id}'`);
    await db.run(`update technicians set name = ${literal} where technician_id = '${first!.technician_id}'`);
    const out = join(work, 'awkward');
    const manifest = await publish(db, out, runInfo('20261101T100000-001'));
    const run = join(out, manifest.folder);

    const line = (await linesPageRows(run, month))[0]!;
    expect(line.rule_name_en).toBe(text);
    expect(json(join(run, 'penalties', `${month}.json`)).find((r) => r.technician_id === first!.technician_id)!.technician_name).toBe(text);
    // the English download's first line (the first line of the first technician's block)
    const csv = parseCsv((await rendered(run, `penalties/${month}.en.csv`)).toString('utf8').replace(/^\uFEFF/, ''));
    expect(csv[1]![csv[0]!.indexOf('Description')]).toBe(text);
    expect(csv[1]![csv[0]!.indexOf('Name')]).toBe(text);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await rendered(run, `penalties/${month}.en.xlsx`)) as never);
    const inSheet = text.replace(String.fromCharCode(1), '').replace('\r\n', '\n'); // XML reads a CR LF as LF
    expect(workbook.getWorksheet('Penalty lines')!.getRow(2).getCell(csv[0]!.indexOf('Description') + 1).value).toBe(inSheet);
    const totals = workbook.getWorksheet('Summary')!;
    const names: unknown[] = [];
    totals.eachRow((row, n) => {
      if (n > 1 && row.getCell(2).value === first!.technician_id) names.push(row.getCell(3).value);
    });
    expect(names).toEqual([inSheet]);
  }, 60_000);
});

/**
 * What each page fetches for one month (dashboard/src), with everything it can open: the
 * technicians page with one technician's history, the outlets page with an outlet's trend and technicians,
 * the penalties page with a statement, the settlement page with an outlet's statement (its own
 * files: an outlet's account reads only those). Every page also reads the manifest.
 */
function pageFiles(month: string, previousMonth: string | undefined, historyFile: string, outletFolder: string): Record<string, string[]> {
  // every page reads which months are closed
  const pages: Record<string, string[]> = {
    overview: ['network.json', 'run.json'],
    technicians: [`technicians/${month}.json`, 'run.json', `technician_history/${historyFile}`],
    outlets: [`outlets/${month}.json`, ...(previousMonth ? [`outlets/${previousMonth}.json`] : []), 'run.json', 'outlet_history.json', `technicians/${month}.json`],
    penalties: [`penalties/${month}.json`, `outlet_penalties/${month}.json`, `adjustments/${month}.json`, `settlement_adjustments/${month}.json`, 'run.json', `penalty_lines/${month}.json`],
    quality: ['run.json', 'quality.json'],
    backlog: ['backlog.json', 'run.json'],
    audit: ['audit/closes.json', `appeals/${month}.json`],
    settlement: [`settlement/${month}.json`, `by_outlet/${outletFolder}/settlement_lines.json`, `by_outlet/${outletFolder}/settlement_withheld.json`, `by_outlet/${outletFolder}/settlement.json`, `outlet_penalties/${month}.json`],
  };
  return Object.fromEntries(Object.entries(pages).map(([page, files]) => [page, ['closes.json', ...files]]));
}

const PAGE_BUDGET_BYTES = 1_000_000;

describe('the page data budget (dashboard/DATA.md)', () => {
  let out: string;
  let manifest: Manifest;

  beforeAll(async () => {
    const input = join(work, 'network-5000');
    // a network at the budget's size, with few tickets each: the page files grow with the outlets
    // and technicians, the tickets only make the run slower
    await generateSample({ outDir: input, seed: 5, tickets: 150_000, technicians: 5000, outlets: 600, mess: false, formats: false });
    out = join(work, 'network-5000-out');
    const result = await runPipeline({ input, db: join(work, 'network-5000.duckdb'), out, config });
    manifest = result.manifest!;
  }, 120_000);

  it('holds every page, every month, at 1 MB or less as transferred (gzip where published or sent)', async () => {
    const run = join(out, manifest.folder);
    const technicians = new Set(readdirSync(join(run, 'technician_history')).filter((f) => f.endsWith('.json')).flatMap((f) => json(join(run, 'technician_history', f)).map((r) => r.technician_id)));
    expect(technicians.size).toBe(5000);
    expect(Math.max(...manifest.months.map((m) => json(join(run, 'outlets', `${m}.json`)).length))).toBe(600);
    const largestHistory = readdirSync(join(run, 'technician_history'))
      .filter((f) => f.endsWith('.json'))
      .sort((a, b) => statSync(join(run, 'technician_history', b)).size - statSync(join(run, 'technician_history', a)).size)[0]!;
    // an outlet's files and HR's statement lines are made by the server, which gzips one of 16 KB or
    // more (level 3, as the publish its page files)
    const outletSizes = new Map<string, { raw: number; sent: number }>();
    const sizes = (body: Buffer) => ({ raw: body.length, sent: body.length >= COMPRESS_FROM_BYTES ? gzipSync(body, { level: 3 }).length : body.length });
    for (const path of await outletFilesOf(run)) outletSizes.set(path, sizes((await renderedOutletFileOrNull(run, path))!));
    for (const month of manifest.months) outletSizes.set(`penalty_lines/${month}.json`, sizes((await renderedLinesPage(run, month))!));
    const largestSettlement = [...outletSizes].filter(([path]) => path.endsWith('/settlement_lines.json')).sort(([, a], [, b]) => b.raw - a.raw)[0]![0].split('/')[1]!;
    const manifestBytes = statSync(join(out, 'manifest.json')).size;
    const report: string[] = [];
    const largest: Record<string, { raw: number; sent: number; month: string }> = {};
    manifest.months.forEach((month, i) => {
      for (const [page, files] of Object.entries(pageFiles(month, manifest.months[i - 1], largestHistory, largestSettlement))) {
        let raw = manifestBytes;
        let sent = manifestBytes;
        for (const file of files) {
          const rendered = outletSizes.get(file);
          const size = rendered?.raw ?? statSync(join(run, file)).size;
          raw += size;
          sent += rendered?.sent ?? (existsSync(join(run, `${file}.gz`)) ? statSync(join(run, `${file}.gz`)).size : size);
        }
        expect(sent, `${page} ${month}`).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);
        if (!largest[page] || sent > largest[page].sent) largest[page] = { raw, sent, month };
      }
    });
    for (const [page, { raw, sent, month }] of Object.entries(largest)) report.push(`${page.padEnd(12)} ${month}  ${(raw / 1024).toFixed(0).padStart(6)} KB raw  ${(sent / 1024).toFixed(0).padStart(5)} KB sent`);
    console.log(`page data at 600 outlets, 5,000 technicians (largest month):\n${report.join('\n')}`);
    // it renders every outlet's files of a 600-outlet network: about 40 s on a quiet 2-core machine,
    // past the default minute when the machine is busy
  }, 180_000);
});

describe('a file DuckDB cannot write', () => {
  it('is the file system refusal Node would report, with its code; other errors stay as they are', async () => {
    const db = await Db.open(':memory:');
    try {
      const missing = join(work, 'no-such-folder', 'x.json');
      const refused = await db.run(`copy (select 1) to '${missing}' (format csv)`).then(() => null, (e: unknown) => e);
      const error = asFileSystemError(refused) as NodeJS.ErrnoException;
      expect([error.code, error.message, (error.cause as Error).message]).toEqual([
        'ENOENT',
        `ENOENT: no such file or directory, write '${missing}'`,
        `IO Error: Cannot open file "${missing}": No such file or directory`,
      ]);
      const syntax = await db.run(`copy nothing to nowhere`).then(() => null, (e: unknown) => e);
      expect(asFileSystemError(syntax)).toBe(syntax);
      const own = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      expect(asFileSystemError(own)).toBe(own);
    } finally {
      db.close();
    }
  });
});
