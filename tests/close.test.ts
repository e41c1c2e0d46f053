// Month close and adjustments (spec 6.2) on tiny fixtures: the close order and its refusals (nothing
// changed), the sha256 of month_closes recomputed here from the canonical lines written out by hand,
// frozen lines and totals that later data does not change, and each adjustment reason on technician
// lines (new_line, line_gone, amount_changed, appeal) and on outlet fines and settlement lines, with
// the first open month's totals (adjustments, amount_due) and a technician with adjustments only.
// Every expected table is written out in full, worked out by hand.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Db, Row } from '../pipeline/common/db.ts';
import { defaultConfig } from '../pipeline/common/config.ts';
import { applyConfig, buildModels, checkInvariants } from '../pipeline/build/index.ts';
import { canonicalLines, freezeMonth, type MonthClose } from '../pipeline/build/close.ts';
import { fixtureDb, rows } from './helpers.ts';

const CLOSED_AT = '2026-04-01 10:00:00';

/** Closes a month as `npm run close` does: the tables brought up to date, the month frozen, the tables built again and checked. */
async function close(db: Db, month: string, by = 'hr-anna'): Promise<MonthClose> {
  await buildModels(db);
  const row = await freezeMonth(db, month, by, CLOSED_AT);
  await buildModels(db);
  expect(await checkInvariants(db)).toEqual([]);
  return row;
}

/** Stores rows as the loader does (replacing the rows of their keys), marks the months given stale and builds. */
async function later(db: Db, changes: { table: string; key: string; rows: Row[] }[], staleMonths: string[]): Promise<void> {
  for (const { table, key, rows: changed } of changes) {
    for (const row of changed) {
      await db.connection.run(`delete from ${table} where ${key} = $1`, [String(row[key])]);
      const full: Row = { ...row, batch_id: 0 };
      const columns = Object.keys(full);
      await db.connection.run(`insert into ${table} (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, columns.map((c) => full[c] ?? null) as never);
    }
  }
  for (const month of staleMonths) await db.connection.run(`insert into stale_months values ($1)`, [month]);
  expect((await buildModels(db)).full).toBe(false);
  expect(await checkInvariants(db)).toEqual([]);
}

/** What a close leaves in the database, to show that a refused close changed nothing. */
async function closeState(db: Db): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const table of ['month_closes', 'frozen_penalty_lines', 'frozen_penalty_totals', 'frozen_settlement_lines', 'frozen_settlement_totals', 'stale_months']) {
    out[table] = await db.all(`select * from ${table} order by all`);
  }
  return out;
}

const TECHNICIANS = [
  { technician_id: 'T1', outlet_id: 'W1' },
  { technician_id: 'T2', outlet_id: 'W1' },
  { technician_id: 'T3', outlet_id: 'W2' },
];

const violation = (id: string, technician: string, at: string, rule: string, amount: number | null = null): Row => ({
  violation_id: id, technician_id: technician, occurred_at: at, rule_id: rule, amount,
});

describe('closing a month', () => {
  it('closes months in order: not twice, not one without data, not after an earlier month with lines; a refused close changes nothing', async () => {
    const db = await fixtureDb({
      technicians: TECHNICIANS,
      violations: [violation('V1', 'T1', '2026-01-10 10:00:00', 'IMAGE'), violation('V2', 'T1', '2026-03-05 10:00:00', 'IMAGE')],
    });
    const refused = async (month: string, message: string) => {
      const before = await closeState(db);
      await expect(freezeMonth(db, month, 'hr-anna', CLOSED_AT)).rejects.toThrow(message);
      expect(await closeState(db)).toEqual(before);
    };
    await refused('2026-02', '2026-02 has no data to close: no KPIs, penalty lines, outlet fines, settlement lines or adjustments');
    await refused('2026-03', '2026-01 has lines and is not closed: close it first (months close in order)');
    await refused('2026-1', '2026-1 is not a month: give it as YYYY-MM');
    expect(await close(db, '2026-01')).toMatchObject({ month: '2026-01', closed_by: 'hr-anna', lines: 1, amount: 20 });
    await refused('2026-01', '2026-01 is closed already (closed 2026-04-01 10:00:00 by hr-anna); a closed month is final');
    // February has no line: it does not hold March back, and is closed with it (nothing frozen)
    await close(db, '2026-03', 'hr-bo');
    await refused('2026-02', '2026-02 is before the latest closed month 2026-03: months close in order, and a closed month is final');
    expect(await rows(db, 'month_closes', ['month', 'closed_at', 'closed_by', 'lines', 'amount'], 'month')).toEqual([
      { month: '2026-01', closed_at: CLOSED_AT, closed_by: 'hr-anna', lines: 1, amount: 20 },
      { month: '2026-03', closed_at: CLOSED_AT, closed_by: 'hr-bo', lines: 1, amount: 20 },
    ]);
    db.close();
  });

  it('records the sha256 of the canonical lines (recomputed here), and later data changes neither the frozen lines nor their hash', async () => {
    const db = await fixtureDb({
      technicians: TECHNICIANS,
      // an overcharged repair with a verified overcharge complaint: the technician's OVERCHARGE line,
      // the outlet's fine of 10 x 50, and its settlement line (a reached call after completion)
      tickets: [{ ticket_id: 'G1', outlet_id: 'W1', technician_id: 'T1', created_at: '2026-01-04 09:00:00', completed_at: '2026-01-05 12:00:00', fee_charged: 150, fee_standard: 100 }],
      revisits: [{ revisit_id: 'R1', ticket_id: 'G1', revisit_at: '2026-01-06 10:00:00' }],
      complaints: [{ complaint_id: 'C1', ticket_id: 'G1', received_at: '2026-01-07 10:00:00', category: 'overcharge' }],
      // a violation id with a comma: quoted in the canonical form
      violations: [violation('V1', 'T1', '2026-01-10 10:00:00', 'IMAGE'), violation('V,2', 'T2', '2026-01-11 10:00:00', 'SMOKING', 200)],
    });
    const closed = await close(db, '2026-01');
    // the records in byte order: outlet_penalty_lines < penalty_lines < settlement_lines; '"' < 'I' < 'O'
    const canonical = [
      'outlet_penalty_lines,OUTLET_OVERCHARGE:G1,W1,OUTLET_OVERCHARGE,2026-01,,500.00\n',
      'penalty_lines,"SMOKING:V,2",T2,SMOKING,2026-01,,200.00\n',
      'penalty_lines,IMAGE:V1,T1,IMAGE,2026-01,,20.00\n',
      'penalty_lines,OVERCHARGE:G1,T1,OVERCHARGE,2026-01,,500.00\n',
      'settlement_lines,SETTLE:G1,W1,SETTLE,2026-01,,60.00\n',
    ];
    const sha256 = createHash('sha256').update(canonical.join(''), 'utf8').digest('hex');
    expect(closed).toEqual({
      month: '2026-01', closed_at: CLOSED_AT, closed_by: 'hr-anna', lines: 3, amount: 720, adjustments: 0, amount_due: 720,
      outlet_fine_lines: 1, outlet_fines: 500, settlement_lines: 1, settlement_fees: 60, settlement_adjustments: 0, hashed_lines: 5, sha256,
    });
    expect(await db.all(`select * exclude (closed_at) from month_closes`)).toEqual([{ ...closed, closed_at: undefined }].map(({ closed_at: _, ...r }) => r));
    const linesBefore = await db.all(`select * from penalty_lines order by line_id`);

    // a late violation and a corrected ticket for January: the frozen lines stay, and hash the same
    await later(db, [
      { table: 'violations', key: 'violation_id', rows: [violation('V3', 'T1', '2026-01-20 10:00:00', 'FOUR_NOTS')] },
      { table: 'tickets', key: 'ticket_id', rows: [{ ticket_id: 'G1', outlet_id: 'W1', technician_id: 'T1', service_type: 'repair', status: 'completed', created_at: '2026-01-04 09:00:00', completed_at: '2026-01-05 12:00:00', fee_charged: 120, fee_standard: 100 }] },
    ], ['2026-01']);
    expect(await db.all(`select * from penalty_lines order by line_id`)).toEqual(linesBefore);
    expect(await canonicalLines(db, '2026-01')).toEqual(canonical);
    // what the later data changed is booked in February
    expect(await rows(db, 'penalty_adjustments', ['month', 'original_month', 'line_id', 'amount', 'reason'], 'line_id')).toEqual([
      { month: '2026-02', original_month: '2026-01', line_id: 'FOUR_NOTS:V3', amount: 100, reason: 'new_line' },
    ]);
    expect(await rows(db, 'settlement_adjustments', ['month', 'original_month', 'line_id', 'amount', 'net_effect', 'reason'], 'line_id')).toEqual([
      { month: '2026-02', original_month: '2026-01', line_id: 'OUTLET_OVERCHARGE:G1', amount: -300, net_effect: 300, reason: 'amount_changed' },
    ]);
    db.close();
  });
});

describe('adjustments of a closed month', () => {
  it('books new, gone, changed and appealed technician lines in the first open month; the closed month stays as frozen', async () => {
    const db = await fixtureDb({
      technicians: TECHNICIANS,
      violations: [
        violation('V1', 'T1', '2026-01-10 10:00:00', 'IMAGE'), // 20, then 80: amount_changed +60
        violation('V2', 'T2', '2026-01-12 10:00:00', 'FOUR_NOTS'), // 100, then moved to February: line_gone -100
        violation('V4', 'T1', '2026-01-15 10:00:00', 'SITE_NOT_CLEANED'), // 50, reduced to 20 on appeal: appeal -30
        violation('V5', 'T1', '2026-02-03 10:00:00', 'IMAGE'), // February's own line
      ],
    });
    await close(db, '2026-01');
    await later(db, [
      { table: 'violations', key: 'violation_id', rows: [
        violation('V1', 'T1', '2026-01-10 10:00:00', 'IMAGE', 80),
        violation('V2', 'T2', '2026-02-02 10:00:00', 'FOUR_NOTS'),
        violation('V3', 'T3', '2026-01-20 10:00:00', 'NO_SHOE_COVERS'), // new: +50, T3 has no line in February
      ] },
      { table: 'appeal_records', key: 'appeal_id', rows: [
        { appeal_id: 'A1', line_id: 'SITE_NOT_CLEANED:V4', submitted_at: '2026-02-05 09:00:00', decision: 'reduced', decided_amount: 20, decided_at: '2026-02-10 09:00:00' },
      ] },
    ], ['2026-01', '2026-02']);

    expect(await rows(db, 'penalty_adjustments', ['month', 'original_month', 'line_id', 'technician_id', 'outlet_id', 'rule_id', 'amount', 'reason'], 'line_id')).toEqual([
      { month: '2026-02', original_month: '2026-01', line_id: 'FOUR_NOTS:V2', technician_id: 'T2', outlet_id: 'W1', rule_id: 'FOUR_NOTS', amount: -100, reason: 'line_gone' },
      { month: '2026-02', original_month: '2026-01', line_id: 'IMAGE:V1', technician_id: 'T1', outlet_id: 'W1', rule_id: 'IMAGE', amount: 60, reason: 'amount_changed' },
      { month: '2026-02', original_month: '2026-01', line_id: 'NO_SHOE_COVERS:V3', technician_id: 'T3', outlet_id: 'W2', rule_id: 'NO_SHOE_COVERS', amount: 50, reason: 'new_line' },
      { month: '2026-02', original_month: '2026-01', line_id: 'SITE_NOT_CLEANED:V4', technician_id: 'T1', outlet_id: 'W1', rule_id: 'SITE_NOT_CLEANED', amount: -30, reason: 'appeal' },
    ]);
    // January as frozen (the appeal's line too); February with its own lines and the moved one
    const LINE = ['month', 'line_id', 'technician_id', 'amount', 'appeal_id', 'appeal_decision', 'amount_before_appeal'];
    expect(await rows(db, 'penalty_lines', LINE, 'month, line_id')).toEqual([
      { month: '2026-01', line_id: 'FOUR_NOTS:V2', technician_id: 'T2', amount: 100, appeal_id: null, appeal_decision: null, amount_before_appeal: 100 },
      { month: '2026-01', line_id: 'IMAGE:V1', technician_id: 'T1', amount: 20, appeal_id: null, appeal_decision: null, amount_before_appeal: 20 },
      { month: '2026-01', line_id: 'SITE_NOT_CLEANED:V4', technician_id: 'T1', amount: 50, appeal_id: null, appeal_decision: null, amount_before_appeal: 50 },
      { month: '2026-02', line_id: 'FOUR_NOTS:V2', technician_id: 'T2', amount: 100, appeal_id: null, appeal_decision: null, amount_before_appeal: 100 },
      { month: '2026-02', line_id: 'IMAGE:V5', technician_id: 'T1', amount: 20, appeal_id: null, appeal_decision: null, amount_before_appeal: 20 },
    ]);
    // February: adjustments and amount_due; violations_ytd counts January's lines as they are now
    // (T1: V1, V4 and V5; T3: V3); T3 has a row for its adjustment alone
    const TOTALS = ['month', 'technician_id', 'outlet_id', 'violations', 'amount', 'violations_ytd', 'training', 'dismissal_review', 'adjustments', 'amount_due'];
    expect(await rows(db, 'penalty_totals', TOTALS, 'month, technician_id')).toEqual([
      { month: '2026-01', technician_id: 'T1', outlet_id: 'W1', violations: 2, amount: 70, violations_ytd: 2, training: false, dismissal_review: false, adjustments: 0, amount_due: 70 },
      { month: '2026-01', technician_id: 'T2', outlet_id: 'W1', violations: 1, amount: 100, violations_ytd: 1, training: false, dismissal_review: false, adjustments: 0, amount_due: 100 },
      { month: '2026-02', technician_id: 'T1', outlet_id: 'W1', violations: 1, amount: 20, violations_ytd: 3, training: false, dismissal_review: false, adjustments: 30, amount_due: 50 },
      { month: '2026-02', technician_id: 'T2', outlet_id: 'W1', violations: 1, amount: 100, violations_ytd: 1, training: false, dismissal_review: false, adjustments: -100, amount_due: 0 },
      { month: '2026-02', technician_id: 'T3', outlet_id: 'W2', violations: 0, amount: 0, violations_ytd: 1, training: false, dismissal_review: false, adjustments: 50, amount_due: 50 },
    ]);

    // February closes with its adjustments; later the appeal is decided again (upheld after all) and
    // V3 is withdrawn: booked in March against what January's lines had booked so far
    const february = await close(db, '2026-02');
    expect(february).toMatchObject({ lines: 2, amount: 120, adjustments: -20, amount_due: 100 });
    expect(await rows(db, 'penalty_adjustments', ['month', 'line_id', 'amount', 'reason'], 'month, line_id')).toHaveLength(4);
    await later(db, [
      { table: 'appeal_records', key: 'appeal_id', rows: [
        { appeal_id: 'A1', line_id: 'SITE_NOT_CLEANED:V4', submitted_at: '2026-02-05 09:00:00', decision: 'upheld', decided_at: '2026-03-02 09:00:00' },
      ] },
    ], ['2026-01']);
    await db.run(`delete from violations where violation_id = 'V3'`);
    await later(db, [], ['2026-01']);
    expect(await rows(db, 'penalty_adjustments', ['month', 'original_month', 'line_id', 'amount', 'reason'], 'month, line_id')).toEqual([
      { month: '2026-02', original_month: '2026-01', line_id: 'FOUR_NOTS:V2', amount: -100, reason: 'line_gone' },
      { month: '2026-02', original_month: '2026-01', line_id: 'IMAGE:V1', amount: 60, reason: 'amount_changed' },
      { month: '2026-02', original_month: '2026-01', line_id: 'NO_SHOE_COVERS:V3', amount: 50, reason: 'new_line' },
      { month: '2026-02', original_month: '2026-01', line_id: 'SITE_NOT_CLEANED:V4', amount: -30, reason: 'appeal' },
      { month: '2026-03', original_month: '2026-01', line_id: 'NO_SHOE_COVERS:V3', amount: -50, reason: 'line_gone' },
      { month: '2026-03', original_month: '2026-01', line_id: 'SITE_NOT_CLEANED:V4', amount: 30, reason: 'appeal' },
    ]);
    // March has no line: its totals are the adjustments alone
    expect(await rows(db, 'penalty_totals', TOTALS, 'month, technician_id').then((r) => r.filter((x) => x.month === '2026-03'))).toEqual([
      { month: '2026-03', technician_id: 'T1', outlet_id: 'W1', violations: 0, amount: 0, violations_ytd: 3, training: false, dismissal_review: false, adjustments: 30, amount_due: 30 },
      { month: '2026-03', technician_id: 'T3', outlet_id: 'W2', violations: 0, amount: 0, violations_ytd: 0, training: false, dismissal_review: false, adjustments: -50, amount_due: -50 },
    ]);
    db.close();
  });

  it('books a config change in closed months: a new amount as amount_changed, a rule switched off as line_gone', async () => {
    const db = await fixtureDb({
      technicians: TECHNICIANS,
      violations: [violation('V1', 'T1', '2026-01-10 10:00:00', 'IMAGE'), violation('V2', 'T1', '2026-01-11 10:00:00', 'FOUR_NOTS'), violation('V3', 'T1', '2026-02-10 10:00:00', 'IMAGE')],
    });
    await close(db, '2026-01');
    const config = defaultConfig();
    config.penalty_rules = config.penalty_rules.map((r) => (r.rule_id === 'IMAGE' ? { ...r, amount: 25 } : r.rule_id === 'FOUR_NOTS' ? { ...r, enabled: false } : r));
    await applyConfig(db, config);
    expect((await buildModels(db)).full).toBe(true);
    expect(await checkInvariants(db)).toEqual([]);
    expect(await rows(db, 'penalty_adjustments', ['month', 'original_month', 'line_id', 'amount', 'reason'], 'line_id')).toEqual([
      { month: '2026-02', original_month: '2026-01', line_id: 'FOUR_NOTS:V2', amount: -100, reason: 'line_gone' },
      { month: '2026-02', original_month: '2026-01', line_id: 'IMAGE:V1', amount: 5, reason: 'amount_changed' },
    ]);
    expect(await rows(db, 'penalty_lines', ['month', 'line_id', 'amount'], 'month, line_id')).toEqual([
      { month: '2026-01', line_id: 'FOUR_NOTS:V2', amount: 100 },
      { month: '2026-01', line_id: 'IMAGE:V1', amount: 20 },
      { month: '2026-02', line_id: 'IMAGE:V3', amount: 25 },
    ]);
    expect(await rows(db, 'penalty_totals', ['month', 'violations', 'amount', 'violations_ytd', 'adjustments', 'amount_due'], 'month')).toEqual([
      { month: '2026-01', violations: 2, amount: 120, violations_ytd: 2, adjustments: 0, amount_due: 120 },
      { month: '2026-02', violations: 1, amount: 25, violations_ytd: 2, adjustments: -95, amount_due: -70 },
    ]);
    db.close();
  });

  it('books changed outlet fines and settlement lines, with their effect on the net, in the first open month', async () => {
    const settled = (id: string, outlet: string, type: string, completed: string, revisit: string): { ticket: Row; revisit: Row } => ({
      ticket: { ticket_id: id, outlet_id: outlet, technician_id: outlet === 'W1' ? 'T1' : 'T3', service_type: type, status: 'completed', created_at: completed.replace(/ .*/, ' 08:00:00'), completed_at: completed, fee_charged: 100, fee_standard: 100 },
      revisit: { revisit_id: `R-${id}`, ticket_id: id, revisit_at: revisit, reached: true },
    });
    const g1 = settled('G1', 'W1', 'repair', '2026-01-05 12:00:00', '2026-01-06 10:00:00');
    const g2 = settled('G2', 'W2', 'install', '2026-01-08 12:00:00', '2026-01-09 10:00:00');
    const g4 = settled('G4', 'W1', 'repair', '2026-02-03 12:00:00', '2026-02-04 10:00:00');
    const db = await fixtureDb({ technicians: TECHNICIANS, tickets: [g1.ticket, g2.ticket, g4.ticket], revisits: [g1.revisit, g2.revisit, g4.revisit] });
    await close(db, '2026-01');
    const g3 = settled('G3', 'W1', 'maintenance', '2026-01-20 12:00:00', '2026-01-21 10:00:00');
    await later(db, [
      // G1 was an install (fee 60 -> 80); G3 arrives late, overcharged by 20 with a verified complaint
      // (fine 10 x 20); G2's call was not reached after all: withheld, its line gone
      { table: 'tickets', key: 'ticket_id', rows: [{ ...g1.ticket, service_type: 'install' }, { ...g3.ticket, fee_charged: 120 }] },
      { table: 'revisits', key: 'revisit_id', rows: [g3.revisit, { ...g2.revisit, reached: false }] },
      { table: 'complaints', key: 'complaint_id', rows: [{ complaint_id: 'C3', ticket_id: 'G3', received_at: '2026-01-25 10:00:00', category: 'overcharge', responsible: 'outlet', verified: true }] },
    ], ['2026-01']);
    expect(await rows(db, 'settlement_adjustments', ['month', 'original_month', 'line_id', 'outlet_id', 'rule_id', 'amount', 'net_effect', 'reason'], 'line_id')).toEqual([
      { month: '2026-02', original_month: '2026-01', line_id: 'OUTLET_OVERCHARGE:G3', outlet_id: 'W1', rule_id: 'OUTLET_OVERCHARGE', amount: 200, net_effect: -200, reason: 'new_line' },
      { month: '2026-02', original_month: '2026-01', line_id: 'SETTLE:G1', outlet_id: 'W1', rule_id: 'SETTLE', amount: 20, net_effect: 20, reason: 'amount_changed' },
      { month: '2026-02', original_month: '2026-01', line_id: 'SETTLE:G2', outlet_id: 'W2', rule_id: 'SETTLE', amount: -80, net_effect: -80, reason: 'line_gone' },
      { month: '2026-02', original_month: '2026-01', line_id: 'SETTLE:G3', outlet_id: 'W1', rule_id: 'SETTLE', amount: 40, net_effect: 40, reason: 'new_line' },
    ]);
    // January as frozen; February: W1's G4 and the adjustments; W2 now withholds G2 and gets its adjustment
    const TOTALS = ['month', 'outlet_id', 'tickets_settled', 'fees', 'outlet_fines', 'net', 'tickets_withheld', 'withheld_fees', 'payment_due::varchar as payment_due', 'fee_adjustments', 'fine_adjustments', 'adjustments', 'amount_due'];
    expect(await rows(db, 'settlement_totals', TOTALS, 'month, outlet_id')).toEqual([
      { month: '2026-01', outlet_id: 'W1', tickets_settled: 1, fees: 60, outlet_fines: 0, net: 60, tickets_withheld: 0, withheld_fees: 0, payment_due: '2026-04-02', fee_adjustments: 0, fine_adjustments: 0, adjustments: 0, amount_due: 60 },
      { month: '2026-01', outlet_id: 'W2', tickets_settled: 1, fees: 80, outlet_fines: 0, net: 80, tickets_withheld: 0, withheld_fees: 0, payment_due: '2026-04-02', fee_adjustments: 0, fine_adjustments: 0, adjustments: 0, amount_due: 80 },
      { month: '2026-02', outlet_id: 'W1', tickets_settled: 1, fees: 60, outlet_fines: 0, net: 60, tickets_withheld: 0, withheld_fees: 0, payment_due: '2026-04-30', fee_adjustments: 60, fine_adjustments: 200, adjustments: -140, amount_due: -80 },
      { month: '2026-02', outlet_id: 'W2', tickets_settled: 0, fees: 0, outlet_fines: 0, net: 0, tickets_withheld: 1, withheld_fees: 80, payment_due: '2026-04-30', fee_adjustments: -80, fine_adjustments: 0, adjustments: -80, amount_due: -80 },
    ]);
    expect(await rows(db, 'settlement_lines', ['settlement_month', 'line_id', 'fee'], 'settlement_month, line_id')).toEqual([
      { settlement_month: '2026-01', line_id: 'SETTLE:G1', fee: 60 },
      { settlement_month: '2026-01', line_id: 'SETTLE:G2', fee: 80 },
      { settlement_month: '2026-02', line_id: 'SETTLE:G4', fee: 60 },
    ]);
    expect(await rows(db, 'outlet_penalty_lines', ['month', 'line_id'])).toEqual([]);
    db.close();
  });
});
