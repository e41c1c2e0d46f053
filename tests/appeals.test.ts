// Appeals (申诉, spec 6.3) on tiny fixtures: every decision on the lines of an open month (waived: 0
// and no violation, out of training and dismissal review; reduced: the decided amount, still a
// violation; upheld and pending: unchanged), several appeals of one line (the latest decided_at, then
// submitted_at, stands), an appeal of a closed month's line (the frozen line and escalation stay, the
// change is an adjustment, the open month counts the lines as they are now), and the rejects only
// the built lines can tell (unknown_line, amount_out_of_range) through the real loader: with their
// file and line, rows read = loaded + rejected, and gone once the line's ticket arrives.
// Every expected table is written out in full, worked out by hand.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import { Db, type Row } from '../pipeline/common/db.ts';
import { applyConfig, buildModels, checkInvariants } from '../pipeline/build/index.ts';
import { freezeMonth } from '../pipeline/build/close.ts';
import { loadFolder } from '../pipeline/load/index.ts';
import { fixtureDb, rows } from './helpers.ts';

const TECHNICIANS = [
  { technician_id: 'T1', outlet_id: 'W1' },
  { technician_id: 'T2', outlet_id: 'W1' },
  { technician_id: 'T3', outlet_id: 'W2' },
];

const violation = (id: string, technician: string, at: string, rule: string): Row => ({ violation_id: id, technician_id: technician, occurred_at: at, rule_id: rule });

interface Appeal {
  appeal_id: string;
  line_id: string;
  submitted_at: string;
  decision: string;
  decided_amount?: number;
  decided_at?: string;
}

async function storeAppeals(db: Db, appeals: Appeal[]): Promise<void> {
  for (const a of appeals) {
    await db.connection.run(
      `insert into appeal_records (appeal_id, line_id, submitted_at, decision, decided_amount, decided_at, updated_at, batch_id) values ($1, $2, $3, $4, $5, $6, $6, 0)`,
      [a.appeal_id, a.line_id, a.submitted_at, a.decision, a.decided_amount ?? null, a.decided_at ?? null],
    );
  }
}

/** A fixture with appeals, built. */
async function appealsDb(violations: Row[], appeals: Appeal[]): Promise<Db> {
  const db = await fixtureDb({ technicians: TECHNICIANS, violations });
  await storeAppeals(db, appeals);
  await db.run(`insert into stale_months values ('*')`);
  await buildModels(db);
  expect(await checkInvariants(db)).toEqual([]);
  return db;
}

const LINE = ['month', 'line_id', 'technician_id', 'amount', 'appeal_id', 'appeal_decision', 'amount_before_appeal'];
const TOTALS = ['month', 'technician_id', 'violations', 'amount', 'violations_ytd', 'training', 'dismissal_review', 'training_reason', 'dismissal_reason'];

describe('appeals of the lines of open months', () => {
  it('waived: 0 and no violation (out of training and dismissal review); reduced: the decided amount, still a violation; upheld, pending: unchanged', async () => {
    const db = await appealsDb(
      [
        violation('V11', 'T1', '2026-03-02 10:00:00', 'IMAGE'),
        violation('V12', 'T1', '2026-03-03 10:00:00', 'NO_SHOE_COVERS'),
        violation('V13', 'T1', '2026-03-04 10:00:00', 'FOUR_NOTS'),
        violation('V14', 'T1', '2026-04-02 10:00:00', 'IMAGE'),
        violation('V21', 'T2', '2026-03-02 10:00:00', 'IMAGE'),
        violation('V22', 'T2', '2026-03-03 10:00:00', 'IMAGE'),
        violation('V23', 'T2', '2026-03-04 10:00:00', 'SITE_NOT_CLEANED'),
        // a rule with the dismissal flag, waived
        violation('V31', 'T3', '2026-03-05 10:00:00', 'OVERCHARGE'),
      ],
      [
        { appeal_id: 'A11', line_id: 'IMAGE:V11', submitted_at: '2026-03-10 09:00:00', decision: 'pending' },
        { appeal_id: 'A12', line_id: 'NO_SHOE_COVERS:V12', submitted_at: '2026-03-10 09:00:00', decision: 'upheld', decided_at: '2026-03-12 09:00:00' },
        { appeal_id: 'A13', line_id: 'FOUR_NOTS:V13', submitted_at: '2026-03-10 09:00:00', decision: 'waived', decided_at: '2026-03-12 09:00:00' },
        { appeal_id: 'A23', line_id: 'SITE_NOT_CLEANED:V23', submitted_at: '2026-03-10 09:00:00', decision: 'reduced', decided_amount: 10, decided_at: '2026-03-12 09:00:00' },
        { appeal_id: 'A31', line_id: 'OVERCHARGE:V31', submitted_at: '2026-03-10 09:00:00', decision: 'waived', decided_at: '2026-03-12 09:00:00' },
      ],
    );
    expect(await rows(db, 'penalty_lines', LINE, 'month, line_id')).toEqual([
      { month: '2026-03', line_id: 'FOUR_NOTS:V13', technician_id: 'T1', amount: 0, appeal_id: 'A13', appeal_decision: 'waived', amount_before_appeal: 100 },
      { month: '2026-03', line_id: 'IMAGE:V11', technician_id: 'T1', amount: 20, appeal_id: 'A11', appeal_decision: 'pending', amount_before_appeal: 20 },
      { month: '2026-03', line_id: 'IMAGE:V21', technician_id: 'T2', amount: 20, appeal_id: null, appeal_decision: null, amount_before_appeal: 20 },
      { month: '2026-03', line_id: 'IMAGE:V22', technician_id: 'T2', amount: 20, appeal_id: null, appeal_decision: null, amount_before_appeal: 20 },
      { month: '2026-03', line_id: 'NO_SHOE_COVERS:V12', technician_id: 'T1', amount: 50, appeal_id: 'A12', appeal_decision: 'upheld', amount_before_appeal: 50 },
      { month: '2026-03', line_id: 'OVERCHARGE:V31', technician_id: 'T3', amount: 0, appeal_id: 'A31', appeal_decision: 'waived', amount_before_appeal: 500 },
      { month: '2026-03', line_id: 'SITE_NOT_CLEANED:V23', technician_id: 'T2', amount: 10, appeal_id: 'A23', appeal_decision: 'reduced', amount_before_appeal: 50 },
      { month: '2026-04', line_id: 'IMAGE:V14', technician_id: 'T1', amount: 20, appeal_id: null, appeal_decision: null, amount_before_appeal: 20 },
    ]);
    // T1: 2 violations, not 3 (no training); in April the year counts 3, not 4. T2: 3 violations with
    // the reduced one (training). T3: the waived dismissal line orders no review; a row of 0
    expect(await rows(db, 'penalty_totals', TOTALS, 'month, technician_id')).toEqual([
      { month: '2026-03', technician_id: 'T1', violations: 2, amount: 70, violations_ytd: 2, training: false, dismissal_review: false, training_reason: null, dismissal_reason: null },
      { month: '2026-03', technician_id: 'T2', violations: 3, amount: 50, violations_ytd: 3, training: true, dismissal_review: false, training_reason: 'month:3', dismissal_reason: null },
      { month: '2026-03', technician_id: 'T3', violations: 0, amount: 0, violations_ytd: 0, training: false, dismissal_review: false, training_reason: null, dismissal_reason: null },
      { month: '2026-04', technician_id: 'T1', violations: 1, amount: 20, violations_ytd: 3, training: false, dismissal_review: false, training_reason: null, dismissal_reason: null },
    ]);
    db.close();
  });

  it('of several appeals of a line, the latest decided stands (then the latest submitted); one not decided yet only when none is', async () => {
    const db = await appealsDb(
      [violation('V1', 'T1', '2026-03-10 10:00:00', 'IMAGE'), violation('V2', 'T1', '2026-03-11 10:00:00', 'IMAGE'), violation('V3', 'T1', '2026-03-12 10:00:00', 'IMAGE')],
      [
        { appeal_id: 'A1', line_id: 'IMAGE:V1', submitted_at: '2026-03-11 09:00:00', decision: 'waived', decided_at: '2026-03-15 10:00:00' },
        { appeal_id: 'A2', line_id: 'IMAGE:V1', submitted_at: '2026-03-12 09:00:00', decision: 'reduced', decided_amount: 5, decided_at: '2026-03-18 10:00:00' },
        { appeal_id: 'A3', line_id: 'IMAGE:V1', submitted_at: '2026-03-20 09:00:00', decision: 'pending' },
        // decided at the same time: the later submitted stands
        { appeal_id: 'B1', line_id: 'IMAGE:V2', submitted_at: '2026-03-12 09:00:00', decision: 'reduced', decided_amount: 10, decided_at: '2026-03-18 10:00:00' },
        { appeal_id: 'B2', line_id: 'IMAGE:V2', submitted_at: '2026-03-13 09:00:00', decision: 'upheld', decided_at: '2026-03-18 10:00:00' },
        { appeal_id: 'C1', line_id: 'IMAGE:V3', submitted_at: '2026-03-13 09:00:00', decision: 'pending' },
        { appeal_id: 'C2', line_id: 'IMAGE:V3', submitted_at: '2026-03-14 09:00:00', decision: 'pending' },
      ],
    );
    expect(await rows(db, 'penalty_lines', LINE, 'line_id')).toEqual([
      { month: '2026-03', line_id: 'IMAGE:V1', technician_id: 'T1', amount: 5, appeal_id: 'A2', appeal_decision: 'reduced', amount_before_appeal: 20 },
      { month: '2026-03', line_id: 'IMAGE:V2', technician_id: 'T1', amount: 20, appeal_id: 'B2', appeal_decision: 'upheld', amount_before_appeal: 20 },
      { month: '2026-03', line_id: 'IMAGE:V3', technician_id: 'T1', amount: 20, appeal_id: 'C2', appeal_decision: 'pending', amount_before_appeal: 20 },
    ]);
    expect(await rows(db, 'appeals', ['appeal_id', 'line_id', 'decision', 'line_month', 'technician_id', 'rule_id', 'line_amount', 'line_closed', 'standing'], 'appeal_id')).toEqual([
      { appeal_id: 'A1', line_id: 'IMAGE:V1', decision: 'waived', line_month: '2026-03', technician_id: 'T1', rule_id: 'IMAGE', line_amount: 20, line_closed: false, standing: false },
      { appeal_id: 'A2', line_id: 'IMAGE:V1', decision: 'reduced', line_month: '2026-03', technician_id: 'T1', rule_id: 'IMAGE', line_amount: 20, line_closed: false, standing: true },
      { appeal_id: 'A3', line_id: 'IMAGE:V1', decision: 'pending', line_month: '2026-03', technician_id: 'T1', rule_id: 'IMAGE', line_amount: 20, line_closed: false, standing: false },
      { appeal_id: 'B1', line_id: 'IMAGE:V2', decision: 'reduced', line_month: '2026-03', technician_id: 'T1', rule_id: 'IMAGE', line_amount: 20, line_closed: false, standing: false },
      { appeal_id: 'B2', line_id: 'IMAGE:V2', decision: 'upheld', line_month: '2026-03', technician_id: 'T1', rule_id: 'IMAGE', line_amount: 20, line_closed: false, standing: true },
      { appeal_id: 'C1', line_id: 'IMAGE:V3', decision: 'pending', line_month: '2026-03', technician_id: 'T1', rule_id: 'IMAGE', line_amount: 20, line_closed: false, standing: false },
      { appeal_id: 'C2', line_id: 'IMAGE:V3', decision: 'pending', line_month: '2026-03', technician_id: 'T1', rule_id: 'IMAGE', line_amount: 20, line_closed: false, standing: true },
    ]);
    db.close();
  });
});

describe('an appeal of a closed month\'s line', () => {
  it('leaves the frozen line and escalation as they are, books the change as an adjustment, and the open month counts the lines as they are now', async () => {
    const db = await appealsDb(
      [
        violation('V21', 'T2', '2026-03-02 10:00:00', 'IMAGE'),
        violation('V22', 'T2', '2026-03-03 10:00:00', 'IMAGE'),
        violation('V23', 'T2', '2026-03-04 10:00:00', 'IMAGE'),
        violation('V24', 'T2', '2026-04-03 10:00:00', 'IMAGE'),
      ],
      [],
    );
    // before the appeal, April reviews T2 for dismissal: a violation after March's training
    expect(await rows(db, 'penalty_totals', TOTALS, 'month')).toEqual([
      { month: '2026-03', technician_id: 'T2', violations: 3, amount: 60, violations_ytd: 3, training: true, dismissal_review: false, training_reason: 'month:3', dismissal_reason: null },
      { month: '2026-04', technician_id: 'T2', violations: 1, amount: 20, violations_ytd: 4, training: false, dismissal_review: true, training_reason: null, dismissal_reason: 'after_training:2026-03' },
    ]);
    await freezeMonth(db, '2026-03', 'hr-anna', '2026-04-05 10:00:00');
    await buildModels(db);
    await storeAppeals(db, [
      { appeal_id: 'A21', line_id: 'IMAGE:V21', submitted_at: '2026-04-06 09:00:00', decision: 'waived', decided_at: '2026-04-08 09:00:00' },
      // pending and upheld change nothing, in a closed month either
      { appeal_id: 'A22', line_id: 'IMAGE:V22', submitted_at: '2026-04-06 09:00:00', decision: 'pending' },
      { appeal_id: 'A23', line_id: 'IMAGE:V23', submitted_at: '2026-04-06 09:00:00', decision: 'upheld', decided_at: '2026-04-08 09:00:00' },
    ]);
    // the loader marks the line's month and the appeal's own
    await db.run(`insert into stale_months values ('2026-03'), ('2026-04')`);
    await buildModels(db);
    expect(await checkInvariants(db)).toEqual([]);

    expect(await rows(db, 'penalty_lines', LINE, 'month, line_id')).toEqual([
      { month: '2026-03', line_id: 'IMAGE:V21', technician_id: 'T2', amount: 20, appeal_id: null, appeal_decision: null, amount_before_appeal: 20 },
      { month: '2026-03', line_id: 'IMAGE:V22', technician_id: 'T2', amount: 20, appeal_id: null, appeal_decision: null, amount_before_appeal: 20 },
      { month: '2026-03', line_id: 'IMAGE:V23', technician_id: 'T2', amount: 20, appeal_id: null, appeal_decision: null, amount_before_appeal: 20 },
      { month: '2026-04', line_id: 'IMAGE:V24', technician_id: 'T2', amount: 20, appeal_id: null, appeal_decision: null, amount_before_appeal: 20 },
    ]);
    expect(await rows(db, 'penalty_adjustments', ['month', 'original_month', 'line_id', 'technician_id', 'outlet_id', 'rule_id', 'amount', 'reason'])).toEqual([
      { month: '2026-04', original_month: '2026-03', line_id: 'IMAGE:V21', technician_id: 'T2', outlet_id: 'W1', rule_id: 'IMAGE', amount: -20, reason: 'appeal' },
    ]);
    // March as frozen (training); April: March counts 2 violations now, so no training then and no review now
    expect(await rows(db, 'penalty_totals', [...TOTALS, 'adjustments', 'amount_due'], 'month')).toEqual([
      { month: '2026-03', technician_id: 'T2', violations: 3, amount: 60, violations_ytd: 3, training: true, dismissal_review: false, training_reason: 'month:3', dismissal_reason: null, adjustments: 0, amount_due: 60 },
      { month: '2026-04', technician_id: 'T2', violations: 1, amount: 20, violations_ytd: 3, training: false, dismissal_review: false, training_reason: null, dismissal_reason: null, adjustments: -20, amount_due: 0 },
    ]);
    expect(await rows(db, 'appeals', ['appeal_id', 'line_month', 'line_closed', 'standing'])).toEqual([
      { appeal_id: 'A21', line_month: '2026-03', line_closed: true, standing: true },
      { appeal_id: 'A22', line_month: '2026-03', line_closed: true, standing: true },
      { appeal_id: 'A23', line_month: '2026-03', line_closed: true, standing: true },
    ]);
    db.close();
  });
});

describe('appeals the built lines reject', () => {
  it('rejects an unknown line and a reduction to the line amount or more with their file and line, read = loaded + rejected, until the line is built', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sq-appeals-'));
    const db = await Db.open(':memory:');
    try {
      await applyConfig(db, defaultConfig());
      const march = join(root, 'march');
      const april = join(root, 'april');
      writeFiles(march, {
        'violations_2026-03.csv': 'violation_id,technician_id,occurred_at,rule_id\nV1,T1,2026-03-10 10:00:00,IMAGE\n',
        '申诉_2026-03.csv': [
          '申诉编号,罚款编号,申诉时间,处理结果,减免后金额,处理时间,说明',
          'SS1,IMAGE:V1,2026-03-11 09:00,撤销,,2026-03-12 10:00,当天有工作证',
          'SS2,NOPE:X,2026-03-11 09:05,撤销,,2026-03-12 10:00,',
          'SS3,IMAGE:V1,2026-03-11 09:10,减免,20,2026-03-12 10:05,',
          // the line of a ticket not loaded yet
          'SS4,LATE_NO_NOTICE:G9,2026-03-11 09:15,减免,5,2026-03-12 10:10,',
          'SS5,IMAGE:V1,2026-03-11 09:20,减免,-1,2026-03-12 10:15,',
          'SS6,IMAGE:V1,2026-03-11 09:25,减免,,2026-03-12 10:20,',
        ].join('\n') + '\n',
      });
      await loadFolder(db, march);
      await buildModels(db);
      expect(await checkInvariants(db)).toEqual([]);
      const REJECT = ['file', 'line', '"column"', 'reason', 'value'];
      const appealFile = '申诉_2026-03.csv';
      expect(await rows(db, 'load_rejects', REJECT, 'line')).toEqual([
        { file: appealFile, line: 3, column: 'line_id', reason: 'unknown_line', value: 'NOPE:X' },
        { file: appealFile, line: 4, column: 'decided_amount', reason: 'amount_out_of_range', value: '20.00' },
        { file: appealFile, line: 5, column: 'line_id', reason: 'unknown_line', value: 'LATE_NO_NOTICE:G9' },
        { file: appealFile, line: 6, column: 'decided_amount', reason: 'negative_amount', value: '-1' },
        { file: appealFile, line: 7, column: 'decided_amount', reason: 'missing_value', value: null },
      ]);
      const BATCH = ['file_name', 'kind', 'rows_read', 'rows_loaded', 'rows_rejected'];
      expect(await rows(db, 'load_batches', BATCH, 'batch_id')).toEqual([
        { file_name: 'violations_2026-03.csv', kind: 'violations', rows_read: 1, rows_loaded: 1, rows_rejected: 0 },
        { file_name: appealFile, kind: 'appeals', rows_read: 6, rows_loaded: 1, rows_rejected: 5 },
      ]);
      expect(await rows(db, 'appeals', ['appeal_id', 'line_id', 'decision', 'standing'], 'appeal_id')).toEqual([
        { appeal_id: 'SS1', line_id: 'IMAGE:V1', decision: 'waived', standing: true },
      ]);

      // the ticket arrives (late for its appointment): its line is built, and the appeal counts
      writeFiles(april, {
        'tickets_2026-03.csv':
          'ticket_id,outlet_id,technician_id,service_type,created_at,appointment_start,appointment_end,arrived_at,completed_at,status\n' +
          'G9,W1,T1,repair,2026-03-01 09:00,2026-03-02 10:00,2026-03-02 12:00,2026-03-02 13:00,2026-03-02 14:00,completed\n',
      });
      await loadFolder(db, april);
      expect((await buildModels(db)).full).toBe(false);
      expect(await checkInvariants(db)).toEqual([]);
      expect((await rows(db, 'load_rejects', REJECT, 'line')).map((r) => r.line)).toEqual([3, 4, 6, 7]);
      expect((await rows(db, 'load_batches', BATCH, 'batch_id'))[1]).toEqual({ file_name: appealFile, kind: 'appeals', rows_read: 6, rows_loaded: 2, rows_rejected: 4 });
      expect(await rows(db, 'penalty_lines', LINE, 'line_id')).toEqual([
        { month: '2026-03', line_id: 'IMAGE:V1', technician_id: 'T1', amount: 0, appeal_id: 'SS1', appeal_decision: 'waived', amount_before_appeal: 20 },
        { month: '2026-03', line_id: 'LATE_NO_NOTICE:G9', technician_id: 'T1', amount: 5, appeal_id: 'SS4', appeal_decision: 'reduced', amount_before_appeal: 20 },
      ]);
      // the appellant's words stay in the stored records only
      expect(await db.value(`select reason from appeal_records where appeal_id = 'SS1'`)).toBe('当天有工作证');
      expect((await db.all(`select column_name from duckdb_columns() where table_name = 'appeals'`)).map((r) => r.column_name)).not.toContain('reason');
    } finally {
      db.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

function writeFiles(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}
