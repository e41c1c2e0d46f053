// npm start's sample setup (dashboard/sample-setup.ts) on the bundled sample, into a temporary
// folder: the sample loaded, its first three months closed in order by demo-hr, then the late
// export (data/sample/late) loaded, and all of it published. Checked by queries: the closes with
// their hashes, an adjustment of each reason in the first open month, appeals of every decision,
// the two bad appeals rejected with their reason and line, rows read = loaded + rejected; what the
// generator says each late record should do is what the pipeline did; and a second setup on the
// same database changes nothing. The figures were read off the files (the late export is 16 rows).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import { Db } from '../pipeline/common/db.ts';
import { generateSample, type SampleSummary } from '../pipeline/sample/index.ts';
import { SAMPLE_CLOSED_BY, setUpSample, type SampleSetup } from '../dashboard/sample-setup.ts';

const SAMPLE = 'data/sample';
const LATE = join(SAMPLE, 'late');

let work: string;
let setup: SampleSetup;
let db: Db;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sq-sample-setup-'));
  setup = await setUpSample({ input: SAMPLE, late: LATE, db: join(work, 'w.duckdb'), out: join(work, 'out'), config: defaultConfig() });
  db = await Db.open(join(work, 'w.duckdb'));
}, 300_000);

afterAll(() => {
  db?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the sample setup', () => {
  it('closes the first three months in order, by demo-hr, each with its lines and a sha256', async () => {
    expect(setup.closed).toEqual(['2025-11', '2025-12', '2026-01']);
    const closes = await db.all(`select month, closed_at::varchar as closed_at, closed_by, lines, amount, sha256 from month_closes order by month`);
    expect(closes.map(({ month, closed_by, lines, amount }) => ({ month, closed_by, lines, amount }))).toEqual([
      { month: '2025-11', closed_by: SAMPLE_CLOSED_BY, lines: 16, amount: 1120 },
      { month: '2025-12', closed_by: SAMPLE_CLOSED_BY, lines: 13, amount: 570 },
      { month: '2026-01', closed_by: SAMPLE_CLOSED_BY, lines: 13, amount: 1140 },
    ]);
    for (const close of closes) expect(close.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(closes.map((c) => c.sha256)).size).toBe(3);
    const times = closes.map((c) => String(c.closed_at));
    expect([...times].sort()).toEqual(times);
  });

  it('books an adjustment of every reason in the first open month, 2026-02', async () => {
    expect(await db.all(`select month, original_month, line_id, technician_id, amount, reason from penalty_adjustments order by original_month, line_id`)).toEqual([
      // the call put right: its IMAGE line is gone
      { month: '2026-02', original_month: '2025-11', line_id: 'IMAGE:GD202511000402', technician_id: 'T0057', amount: -20, reason: 'line_gone' },
      // waived after the close
      { month: '2026-02', original_month: '2025-11', line_id: 'NO_SHOE_COVERS:GD202511001083', technician_id: 'T0004', amount: -50, reason: 'appeal' },
      // the ticket entered late, its customer's "no shoe covers"
      { month: '2026-02', original_month: '2025-12', line_id: 'NO_SHOE_COVERS:GD202512900001', technician_id: 'T0001', amount: 50, reason: 'new_line' },
      // re-exported at 50 instead of 100
      { month: '2026-02', original_month: '2025-12', line_id: 'PARTS_RETURN:WG2025120001', technician_id: 'T0040', amount: -50, reason: 'amount_changed' },
      // reduced from 200 to 100 after the close
      { month: '2026-02', original_month: '2026-01', line_id: 'SAFETY:WG2026010001', technician_id: 'T0032', amount: -100, reason: 'appeal' },
    ]);
    expect(await db.all(`select month, original_month, line_id, outlet_id, amount, reason from settlement_adjustments`)).toEqual([
      { month: '2026-02', original_month: '2025-12', line_id: 'SETTLE:GD202512900001', outlet_id: 'W3701', amount: 80, reason: 'new_line' },
    ]);
    expect(await db.all(`select sum(amount) as amount, sum(adjustments) as adjustments, sum(amount_due) as amount_due from penalty_totals where month = '2026-02'`)).toEqual([
      { amount: 700, adjustments: -170, amount_due: 530 },
    ]);
  });

  it('keeps the closed months as frozen: the late records and the appeals change none of their lines', async () => {
    expect(await db.all(`select month, count(*) as lines, sum(amount) as amount from penalty_lines where month <= '2026-01' group by month order by month`)).toEqual([
      { month: '2025-11', lines: 16, amount: 1120 },
      { month: '2025-12', lines: 13, amount: 570 },
      { month: '2026-01', lines: 13, amount: 1140 },
    ]);
    expect(await db.all(`select count(*) as n from penalty_lines where line_id in ('NO_SHOE_COVERS:GD202512900001') or appeal_id is not null and month <= '2026-01'`)).toEqual([{ n: 0 }]);
  });

  it('holds appeals of every decision, the later of a line appealed twice standing, on closed and open months', async () => {
    expect(await db.all(`select appeal_id, line_id, decision, decided_amount, line_month, line_amount, line_closed, standing from appeals order by appeal_id`)).toEqual([
      { appeal_id: 'SS2026020001', line_id: 'NO_SHOE_COVERS:GD202511001083', decision: 'waived', decided_amount: null, line_month: '2025-11', line_amount: 50, line_closed: true, standing: true },
      { appeal_id: 'SS2026020002', line_id: 'SAFETY:WG2026010001', decision: 'reduced', decided_amount: 100, line_month: '2026-01', line_amount: 200, line_closed: true, standing: true },
      { appeal_id: 'SS2026020003', line_id: 'IMAGE:GD202512000410', decision: 'upheld', decided_amount: null, line_month: '2025-12', line_amount: 20, line_closed: true, standing: true },
      { appeal_id: 'SS2026030001', line_id: 'NO_EXPLANATION:GD202602000015', decision: 'waived', decided_amount: null, line_month: '2026-02', line_amount: 30, line_closed: false, standing: true },
      { appeal_id: 'SS2026040001', line_id: 'NO_SHOE_COVERS:WG2026030001', decision: 'reduced', decided_amount: 20, line_month: '2026-03', line_amount: 50, line_closed: false, standing: true },
      { appeal_id: 'SS2026050001', line_id: 'FOUR_NOTS:GD202604000003', decision: 'upheld', decided_amount: null, line_month: '2026-04', line_amount: 100, line_closed: false, standing: false },
      { appeal_id: 'SS2026050002', line_id: 'FOUR_NOTS:GD202604000003', decision: 'waived', decided_amount: null, line_month: '2026-04', line_amount: 100, line_closed: false, standing: true },
      { appeal_id: 'SS2026060001', line_id: 'IMAGE:GD202605000062', decision: 'upheld', decided_amount: null, line_month: '2026-05', line_amount: 20, line_closed: false, standing: true },
      { appeal_id: 'SS2026100001', line_id: 'NO_SHOE_COVERS:GD202609000394', decision: 'pending', decided_amount: null, line_month: '2026-09', line_amount: 50, line_closed: false, standing: true },
    ]);
    // the open months' lines as their appeals leave them
    expect(await db.all(`select line_id, amount, appeal_id, appeal_decision, amount_before_appeal from penalty_lines where appeal_id is not null order by line_id`)).toEqual([
      { line_id: 'FOUR_NOTS:GD202604000003', amount: 0, appeal_id: 'SS2026050002', appeal_decision: 'waived', amount_before_appeal: 100 },
      { line_id: 'IMAGE:GD202605000062', amount: 20, appeal_id: 'SS2026060001', appeal_decision: 'upheld', amount_before_appeal: 20 },
      { line_id: 'NO_EXPLANATION:GD202602000015', amount: 0, appeal_id: 'SS2026030001', appeal_decision: 'waived', amount_before_appeal: 30 },
      { line_id: 'NO_SHOE_COVERS:GD202609000394', amount: 50, appeal_id: 'SS2026100001', appeal_decision: 'pending', amount_before_appeal: 50 },
      { line_id: 'NO_SHOE_COVERS:WG2026030001', amount: 20, appeal_id: 'SS2026040001', appeal_decision: 'reduced', amount_before_appeal: 50 },
    ]);
  });

  it('rejects the two bad appeals with their reason and line, and the appeals file still balances', async () => {
    expect(await db.all(`select file, line, "column", reason, value from load_rejects where file = '申诉.csv' order by line`)).toEqual([
      { file: '申诉.csv', line: 10, column: 'line_id', reason: 'unknown_line', value: 'NO_EXPLANATION:GD20260600012' },
      { file: '申诉.csv', line: 11, column: 'decided_amount', reason: 'amount_out_of_range', value: '50.00' },
    ]);
    expect(await db.all(`select file_name, rows_read, rows_loaded, rows_rejected from load_batches where kind = 'appeals'`)).toEqual([
      { file_name: '申诉.csv', rows_read: 11, rows_loaded: 9, rows_rejected: 2 },
    ]);
    expect(await db.all(`select count(*) as unbalanced from load_batches where rows_read <> rows_loaded + rows_rejected`)).toEqual([{ unbalanced: 0 }]);
  });

  it('loads the late export in the last run, which publishes the closes, adjustments and appeals', async () => {
    expect(setup.published.files.filter((f) => f.status === 'loaded').map((f) => f.file).sort()).toEqual(
      readdirSync(LATE).sort(),
    );
    const manifest = JSON.parse(readFileSync(join(work, 'out', 'manifest.json'), 'utf8')) as { folder: string };
    const tables = join(work, 'out', manifest.folder, 'tables');
    for (const table of ['month_closes', 'penalty_adjustments', 'settlement_adjustments', 'appeals']) expect(existsSync(join(tables, `${table}.parquet`)), table).toBe(true);
    const published = await db.all(`select count(*) as closes from '${join(tables, 'month_closes.parquet')}'`);
    expect(published).toEqual([{ closes: 3 }]);
  });
});

describe('the late export as the generator meant it', () => {
  let summary: SampleSummary;
  let regenerated: string;
  beforeAll(async () => {
    regenerated = join(work, 'regenerated');
    summary = await generateSample({ outDir: regenerated, late: true });
  }, 120_000);

  it('is what npm run sample writes, byte for byte', () => {
    for (const file of readdirSync(LATE)) expect(readFileSync(join(regenerated, 'late', file)).equals(readFileSync(join(LATE, file))), file).toBe(true);
    expect(summary.late?.files.map((f) => f.file).sort()).toEqual(readdirSync(LATE).map((f) => `late/${f}`).sort());
    expect(summary.late?.closed).toEqual(setup.closed);
  });

  it('changes the closed months as planned, and every appeal names a real line but the mistyped one', async () => {
    const booked = await db.all(`select line_id, original_month as month, reason from penalty_adjustments where reason <> 'appeal' order by line_id`);
    expect(booked).toEqual([...(summary.late?.changes ?? [])].sort((a, b) => (a.line_id < b.line_id ? -1 : 1)));
    const loaded = await db.all(`select appeal_id, standing from appeals order by appeal_id`);
    const planned = (summary.late?.appeals ?? []).filter((a) => a.outcome === 'stands' || a.outcome === 'replaced');
    expect(loaded).toEqual(planned.map((a) => ({ appeal_id: a.appeal_id, standing: a.outcome === 'stands' })));
    const rejected = await db.all(`select reason from load_rejects where file = '申诉.csv' order by line`);
    expect(rejected.map((r) => r.reason)).toEqual((summary.late?.appeals ?? []).filter((a) => a.outcome !== 'stands' && a.outcome !== 'replaced').map((a) => a.outcome));
  });
});

describe('the sample setup again, on the same database', () => {
  it('loads nothing, closes nothing and leaves the closes as they were', async () => {
    const before = await db.all(`select * from month_closes order by month`);
    db.close();
    const again = await setUpSample({ input: SAMPLE, late: LATE, db: join(work, 'w.duckdb'), out: join(work, 'out'), config: defaultConfig() });
    db = await Db.open(join(work, 'w.duckdb'));
    expect(again.closed).toEqual([]);
    expect(again.published.files.filter((f) => f.status === 'loaded')).toEqual([]);
    expect(await db.all(`select * from month_closes order by month`)).toEqual(before);
    expect(await db.all(`select count(*) as n from penalty_adjustments`)).toEqual([{ n: 5 }]);
  }, 300_000);
});
