// Penalty rules of SPEC §3 on tiny fixtures: the fine schedule's ticket rules with their evidence,
// manual violations, the monthly complaint-rate rule, the escalation flags of penalty_totals, outlet
// fines for overcharging, and orphans. Every expected table is written out in full.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import type { Row } from '../pipeline/common/db.ts';
import { fixtureDb, rows, ticket, tickets } from './helpers.ts';

const LINE = ['month', 'technician_id', 'outlet_id', 'rule_id', 'amount', 'occurred_at', 'ticket_id', 'revisit_id', 'complaint_id', 'violation_id', 'dismissal'];
const LINE_ORDER = 'month, technician_id, ticket_id, rule_id, violation_id';
const TOTALS = ['technician_id', 'month', 'outlet_id', 'violations', 'amount', 'violations_ytd', 'training', 'dismissal_review'];

/** A penalty line with the evidence fields that are not given left null. */
function line(fields: Row): Row {
  return {
    month: '2026-03', technician_id: 'T1', outlet_id: 'W1', ticket_id: null, revisit_id: null, complaint_id: null, violation_id: null, dismissal: false,
    ...fields,
  };
}

const ALL_FALSE = { uniform_badge: false, shoe_covers: false, four_nots_ok: false, site_cleaned: false, explained_usage: false, signed_record: false, charged_per_standard: false };
const ALL_TRUE = { uniform_badge: true, shoe_covers: true, four_nots_ok: true, site_cleaned: true, explained_usage: true, signed_record: true, charged_per_standard: true };

describe('ticket rules', () => {
  it('LATE_NO_NOTICE fires on a judged ticket that is not on time, never on an unjudged one', async () => {
    const moved = (id: string, rescheduledAt: string): Row =>
      ticket(id, {
        original_appointment_start: '2026-03-02 10:00:00',
        original_appointment_end: '2026-03-02 12:00:00',
        rescheduled_at: rescheduledAt,
        appointment_start: '2026-03-03 10:00:00',
        appointment_end: '2026-03-03 12:00:00',
        arrived_at: '2026-03-03 11:00:00',
        completed_at: '2026-03-03 13:00:00',
      });
    const db = await fixtureDb({
      tickets: [
        ticket('GD1', { arrived_at: '2026-03-02 12:30:00' }),
        ticket('GD2'),
        ticket('GD3', { appointment_start: null, arrived_at: '2026-03-02 18:00:00' }),
        ticket('GD4', { arrived_at: null }),
        moved('GD5', '2026-03-02 11:40:00'), // 20 min notice: judged against the new appointment, on time
        moved('GD6', '2026-03-02 11:41:00'), // 19 min notice: judged against the original deadline, late
        ticket('GD7', { status: 'cancelled', arrived_at: '2026-03-02 12:30:00' }),
      ],
    });
    expect(await rows(db, 'penalty_lines', LINE, LINE_ORDER)).toEqual([
      line({ rule_id: 'LATE_NO_NOTICE', amount: 20, occurred_at: '2026-03-02 12:30:00', ticket_id: 'GD1' }),
      line({ rule_id: 'LATE_NO_NOTICE', amount: 20, occurred_at: '2026-03-03 11:00:00', ticket_id: 'GD6' }),
    ]);
    db.close();
  });

  it('turns each false questionnaire answer of a reached call after completion into its rule with its amount', async () => {
    const db = await fixtureDb({
      tickets: [ticket('GD1'), ticket('GD2'), ticket('GD3'), ticket('GD4')],
      revisits: [
        { revisit_id: 'HF1', ticket_id: 'GD1', revisit_at: '2026-03-03 10:00:00', ...ALL_FALSE },
        // NO_EXPLANATION fires on either answer
        { revisit_id: 'HF2', ticket_id: 'GD2', revisit_at: '2026-03-03 11:00:00', ...ALL_TRUE, signed_record: false },
        { revisit_id: 'HF3', ticket_id: 'GD3', revisit_at: '2026-03-03 12:00:00', explained_usage: false },
        { revisit_id: 'HF4', ticket_id: 'GD4', revisit_at: '2026-03-03 13:00:00', ...ALL_TRUE },
      ],
    });
    const hf1 = { occurred_at: '2026-03-03 10:00:00', ticket_id: 'GD1', revisit_id: 'HF1' };
    expect(await rows(db, 'penalty_lines', LINE, LINE_ORDER)).toEqual([
      line({ rule_id: 'FOUR_NOTS', amount: 100, ...hf1 }),
      line({ rule_id: 'IMAGE', amount: 20, ...hf1 }),
      line({ rule_id: 'NO_EXPLANATION', amount: 30, ...hf1 }),
      line({ rule_id: 'NO_SHOE_COVERS', amount: 50, ...hf1 }),
      line({ rule_id: 'OVERCHARGE', amount: 500, ...hf1, dismissal: true }),
      line({ rule_id: 'SITE_NOT_CLEANED', amount: 50, ...hf1 }),
      line({ rule_id: 'NO_EXPLANATION', amount: 30, occurred_at: '2026-03-03 11:00:00', ticket_id: 'GD2', revisit_id: 'HF2' }),
      line({ rule_id: 'NO_EXPLANATION', amount: 30, occurred_at: '2026-03-03 12:00:00', ticket_id: 'GD3', revisit_id: 'HF3' }),
    ]);
    db.close();
  });

  it('takes no evidence from blank answers, unreached calls, calls before completion or tickets not completed', async () => {
    const db = await fixtureDb({
      tickets: [
        ticket('GD1'),
        ticket('GD2'),
        ticket('GD3'),
        ticket('GD4'),
        // completed on the last evening of March: the line is March's, though the call is in April
        ticket('GD5', { completed_at: '2026-03-31 23:00:00' }),
        ticket('GD6', { status: 'cancelled' }),
      ],
      revisits: [
        { revisit_id: 'HF1', ticket_id: 'GD1', revisit_at: '2026-03-03 10:00:00' }, // every answer blank
        { revisit_id: 'HF2', ticket_id: 'GD2', revisit_at: '2026-03-03 10:00:00', reached: false, ...ALL_FALSE },
        { revisit_id: 'HF3', ticket_id: 'GD3', revisit_at: '2026-03-02 12:59:59', ...ALL_FALSE },
        // at the completion time itself: evidence
        { revisit_id: 'HF4', ticket_id: 'GD4', revisit_at: '2026-03-02 13:00:00', uniform_badge: false },
        // any time after completion, well past the 72 h revisit window
        { revisit_id: 'HF5', ticket_id: 'GD5', revisit_at: '2026-04-20 10:00:00', four_nots_ok: false },
        { revisit_id: 'HF6', ticket_id: 'GD6', revisit_at: '2026-03-03 10:00:00', ...ALL_FALSE },
      ],
    });
    expect(await rows(db, 'penalty_lines', LINE, LINE_ORDER)).toEqual([
      line({ rule_id: 'IMAGE', amount: 20, occurred_at: '2026-03-02 13:00:00', ticket_id: 'GD4', revisit_id: 'HF4' }),
      line({ rule_id: 'FOUR_NOTS', amount: 100, occurred_at: '2026-04-20 10:00:00', ticket_id: 'GD5', revisit_id: 'HF5' }),
    ]);
    db.close();
  });

  it('fires each rule at most once per ticket, with the earliest evidence; OVERCHARGE from the fees or a call', async () => {
    const db = await fixtureDb({
      tickets: [
        ticket('GD1'),
        ticket('GD2', { fee_charged: 150, fee_standard: 100 }),
        ticket('GD3', { fee_charged: 100, fee_standard: 100 }),
        ticket('GD4', { fee_charged: 100, fee_standard: null }),
        ticket('GD5', { fee_charged: 120.5, fee_standard: 100 }),
        ticket('GD6', { fee_charged: null, fee_standard: 100 }),
        ticket('GD7', { status: 'cancelled', fee_charged: 150, fee_standard: 100 }),
      ],
      revisits: [
        // two calls both saying no shoe covers, and one each for the two NO_EXPLANATION answers:
        // one line per rule, evidence the earlier call (HF2, though its id sorts after HF1)
        { revisit_id: 'HF1', ticket_id: 'GD1', revisit_at: '2026-03-05 10:00:00', shoe_covers: false, explained_usage: false },
        { revisit_id: 'HF2', ticket_id: 'GD1', revisit_at: '2026-03-04 10:00:00', shoe_covers: false, signed_record: false },
        // charged above the standard and a call saying so: one OVERCHARGE line, the fee at completion being the earliest evidence
        { revisit_id: 'HF3', ticket_id: 'GD2', revisit_at: '2026-03-03 10:00:00', charged_per_standard: false },
        { revisit_id: 'HF4', ticket_id: 'GD2', revisit_at: '2026-03-04 10:00:00', charged_per_standard: false },
      ],
    });
    expect(await rows(db, 'penalty_lines', LINE, LINE_ORDER)).toEqual([
      line({ rule_id: 'NO_EXPLANATION', amount: 30, occurred_at: '2026-03-04 10:00:00', ticket_id: 'GD1', revisit_id: 'HF2' }),
      line({ rule_id: 'NO_SHOE_COVERS', amount: 50, occurred_at: '2026-03-04 10:00:00', ticket_id: 'GD1', revisit_id: 'HF2' }),
      line({ rule_id: 'OVERCHARGE', amount: 500, occurred_at: '2026-03-02 13:00:00', ticket_id: 'GD2', dismissal: true }),
      line({ rule_id: 'OVERCHARGE', amount: 500, occurred_at: '2026-03-02 13:00:00', ticket_id: 'GD5', dismissal: true }),
    ]);
    db.close();
  });

  it('OVERCHARGE from calls alone is one line with the earliest call as evidence', async () => {
    const db = await fixtureDb({
      tickets: [ticket('GD1', { fee_charged: 100, fee_standard: 100 })],
      revisits: [
        { revisit_id: 'HF1', ticket_id: 'GD1', revisit_at: '2026-03-04 10:00:00', charged_per_standard: false },
        { revisit_id: 'HF2', ticket_id: 'GD1', revisit_at: '2026-03-03 10:00:00', charged_per_standard: false },
      ],
    });
    expect(await rows(db, 'penalty_lines', LINE, LINE_ORDER)).toEqual([
      line({ rule_id: 'OVERCHARGE', amount: 500, occurred_at: '2026-03-03 10:00:00', ticket_id: 'GD1', revisit_id: 'HF2', dismissal: true }),
    ]);
    db.close();
  });

  it('a rule switched off in the config fires for no one', async () => {
    const config = defaultConfig();
    for (const rule of config.penalty_rules) if (rule.rule_id === 'IMAGE') rule.enabled = false;
    const db = await fixtureDb(
      {
        tickets: [ticket('GD1')],
        revisits: [{ revisit_id: 'HF1', ticket_id: 'GD1', revisit_at: '2026-03-03 10:00:00', uniform_badge: false, shoe_covers: false }],
        violations: [{ violation_id: 'V1', technician_id: 'T1', occurred_at: '2026-03-05 10:00:00', rule_id: 'IMAGE' }],
      },
      config,
    );
    expect(await rows(db, 'penalty_lines', LINE, LINE_ORDER)).toEqual([
      line({ rule_id: 'NO_SHOE_COVERS', amount: 50, occurred_at: '2026-03-03 10:00:00', ticket_id: 'GD1', revisit_id: 'HF1' }),
    ]);
    db.close();
  });
});

describe('manual violations', () => {
  it("fall in the month of occurred_at, with the row's amount or else the rule's; an unknown rule keeps its own amount", async () => {
    const db = await fixtureDb({
      tickets: [ticket('GD1')],
      technicians: [{ technician_id: 'T1', outlet_id: 'W5' }],
      violations: [
        { violation_id: 'V1', technician_id: 'T1', occurred_at: '2026-04-03 10:00:00', rule_id: 'IMAGE' },
        { violation_id: 'V2', technician_id: 'T1', occurred_at: '2026-03-31 23:59:59', rule_id: 'FOUR_NOTS', amount: 80 },
        { violation_id: 'V3', technician_id: 'T2', occurred_at: '2026-03-10 09:00:00', rule_id: 'SMOKING', amount: 200, note: 'smoked in the customer kitchen' },
        { violation_id: 'V4', technician_id: 'T2', occurred_at: '2026-03-11 09:00:00', rule_id: 'OVERCHARGE' },
      ],
    });
    // outlet: the technician's outlet that month (from the tickets), else the technicians table, else null
    expect(await rows(db, 'penalty_lines', LINE, LINE_ORDER)).toEqual([
      line({ rule_id: 'FOUR_NOTS', amount: 80, occurred_at: '2026-03-31 23:59:59', violation_id: 'V2' }),
      line({ technician_id: 'T2', outlet_id: null, rule_id: 'OVERCHARGE', amount: 500, occurred_at: '2026-03-11 09:00:00', violation_id: 'V4', dismissal: true }),
      line({ technician_id: 'T2', outlet_id: null, rule_id: 'SMOKING', amount: 200, occurred_at: '2026-03-10 09:00:00', violation_id: 'V3' }),
      line({ month: '2026-04', outlet_id: 'W5', rule_id: 'IMAGE', amount: 20, occurred_at: '2026-04-03 10:00:00', violation_id: 'V1' }),
    ]);
    db.close();
  });
});

describe('TOP_COMPLAINT_RATE', () => {
  it('fires for rank 1 with a rate above 0, with dismissal when the technician was also first the month before', async () => {
    /** 20 completed tickets of a technician on `day`. */
    const monthTickets = (technicianId: string, day: string): Row[] =>
      tickets(technicianId, 20).map((t) =>
        ticket(`${String(t.ticket_id)}@${day}`, {
          technician_id: technicianId,
          appointment_start: `${day} 10:00:00`,
          appointment_end: `${day} 12:00:00`,
          arrived_at: `${day} 11:00:00`,
          completed_at: `${day} 13:00:00`,
        }),
      );
    const complaint = (id: string, technicianId: string, at: string): Row => ({ complaint_id: id, technician_id: technicianId, received_at: at });
    const db = await fixtureDb({
      tickets: ['2025-12-02', '2026-01-05', '2026-02-02', '2026-03-02'].flatMap((day) => [...monthTickets('T1', day), ...monthTickets('T2', day)]),
      complaints: [
        // December: T1 2/20 = 0.1 (rank 1), T2 1/20 (rank 2)
        complaint('C1', 'T1', '2025-12-05 10:00:00'),
        complaint('C2', 'T1', '2025-12-20 10:00:00'),
        complaint('C3', 'T2', '2025-12-10 10:00:00'),
        // January: T1 first again → dismissal, across the year boundary
        complaint('C4', 'T1', '2026-01-07 10:00:00'),
        complaint('C5', 'T1', '2026-01-06 10:00:00'),
        complaint('C6', 'T2', '2026-01-10 10:00:00'),
        // February: no complaints → T1 and T2 share rank 1 at rate 0 → no line
        // March: T2 first
        complaint('C7', 'T2', '2026-03-09 10:00:00'),
      ],
    });
    expect(await rows(db, 'kpi_technician_month', ['month', 'technician_id', 'complaint_rate', 'complaint_rank'])).toEqual([
      { month: '2025-12', technician_id: 'T1', complaint_rate: 0.1, complaint_rank: 1 },
      { month: '2025-12', technician_id: 'T2', complaint_rate: 0.05, complaint_rank: 2 },
      { month: '2026-01', technician_id: 'T1', complaint_rate: 0.1, complaint_rank: 1 },
      { month: '2026-01', technician_id: 'T2', complaint_rate: 0.05, complaint_rank: 2 },
      { month: '2026-02', technician_id: 'T1', complaint_rate: 0, complaint_rank: 1 },
      { month: '2026-02', technician_id: 'T2', complaint_rate: 0, complaint_rank: 1 },
      { month: '2026-03', technician_id: 'T1', complaint_rate: 0, complaint_rank: 2 },
      { month: '2026-03', technician_id: 'T2', complaint_rate: 0.05, complaint_rank: 1 },
    ]);
    // evidence time: the month's latest complaint credited to the technician.
    // March (T2): rank 1 the month before only at rate 0, i.e. the rule did not fire in February →
    // no dismissal (the SQL's reading of "also rank 1 the month before"; see the report).
    expect(await rows(db, 'penalty_lines', LINE, LINE_ORDER)).toEqual([
      line({ month: '2025-12', rule_id: 'TOP_COMPLAINT_RATE', amount: 100, occurred_at: '2025-12-20 10:00:00' }),
      line({ month: '2026-01', rule_id: 'TOP_COMPLAINT_RATE', amount: 100, occurred_at: '2026-01-07 10:00:00', dismissal: true }),
      line({ technician_id: 'T2', rule_id: 'TOP_COMPLAINT_RATE', amount: 100, occurred_at: '2026-03-09 10:00:00' }),
    ]);
    db.close();
  });
});

describe('penalty_totals', () => {
  it('counts violations and amounts per month, violations_ytd per calendar year, and flags training and dismissal review', async () => {
    let n = 0;
    const v = (technicianId: string, at: string, amount: number, ruleId = 'INSPECTION'): Row => ({
      violation_id: `V${++n}`, technician_id: technicianId, occurred_at: at, rule_id: ruleId, amount,
    });
    const db = await fixtureDb({
      // T4's only line: a ticket charged above the standard fee (OVERCHARGE, dismissal)
      tickets: [ticket('GD1', { technician_id: 'T4', fee_charged: 150, fee_standard: 100 })],
      violations: [
        // T1: training in February by the month (3); March a violation after training → dismissal review;
        // nothing in April; May again after training
        v('T1', '2026-01-10 10:00:00', 10),
        v('T1', '2026-02-05 10:00:00', 20), v('T1', '2026-02-06 10:00:00', 30), v('T1', '2026-02-07 10:00:00', 40),
        v('T1', '2026-03-03 10:00:00', 15),
        v('T1', '2026-05-03 10:00:00', 25),
        // T2: training in March by the year (2 + 2 + 1 = 5), not yet dismissal review that month; April is
        v('T2', '2026-01-10 10:00:00', 10), v('T2', '2026-01-11 10:00:00', 10),
        v('T2', '2026-02-10 10:00:00', 10), v('T2', '2026-02-11 10:00:00', 10),
        v('T2', '2026-03-10 10:00:00', 10),
        v('T2', '2026-04-10 10:00:00', 10),
        // T3: training in December 2025; the count and the training restart in 2026
        v('T3', '2025-12-01 10:00:00', 10), v('T3', '2025-12-02 10:00:00', 10), v('T3', '2025-12-03 10:00:00', 10),
        v('T3', '2026-01-05 10:00:00', 10),
        // T5: training month that also holds a dismissal line
        v('T5', '2026-03-01 10:00:00', 10), v('T5', '2026-03-02 10:00:00', 10), v('T5', '2026-03-03 10:00:00', 500, 'OVERCHARGE'),
      ],
    });
    expect(await rows(db, 'penalty_totals', TOTALS)).toEqual([
      { technician_id: 'T1', month: '2026-01', outlet_id: null, violations: 1, amount: 10, violations_ytd: 1, training: false, dismissal_review: false },
      { technician_id: 'T1', month: '2026-02', outlet_id: null, violations: 3, amount: 90, violations_ytd: 4, training: true, dismissal_review: false },
      { technician_id: 'T1', month: '2026-03', outlet_id: null, violations: 1, amount: 15, violations_ytd: 5, training: true, dismissal_review: true },
      { technician_id: 'T1', month: '2026-05', outlet_id: null, violations: 1, amount: 25, violations_ytd: 6, training: true, dismissal_review: true },
      { technician_id: 'T2', month: '2026-01', outlet_id: null, violations: 2, amount: 20, violations_ytd: 2, training: false, dismissal_review: false },
      { technician_id: 'T2', month: '2026-02', outlet_id: null, violations: 2, amount: 20, violations_ytd: 4, training: false, dismissal_review: false },
      { technician_id: 'T2', month: '2026-03', outlet_id: null, violations: 1, amount: 10, violations_ytd: 5, training: true, dismissal_review: false },
      { technician_id: 'T2', month: '2026-04', outlet_id: null, violations: 1, amount: 10, violations_ytd: 6, training: true, dismissal_review: true },
      { technician_id: 'T3', month: '2025-12', outlet_id: null, violations: 3, amount: 30, violations_ytd: 3, training: true, dismissal_review: false },
      { technician_id: 'T3', month: '2026-01', outlet_id: null, violations: 1, amount: 10, violations_ytd: 1, training: false, dismissal_review: false },
      { technician_id: 'T4', month: '2026-03', outlet_id: 'W1', violations: 1, amount: 500, violations_ytd: 1, training: false, dismissal_review: true },
      { technician_id: 'T5', month: '2026-03', outlet_id: null, violations: 3, amount: 520, violations_ytd: 3, training: true, dismissal_review: true },
    ]);
    db.close();
  });
});

describe('outlet_penalty_lines', () => {
  it('fines the ticket outlet 10 × (fee_charged − fee_standard) for a verified overcharge complaint on an overcharged ticket', async () => {
    const db = await fixtureDb({
      tickets: [
        ticket('GD1', { fee_charged: 180, fee_standard: 100 }),
        ticket('GD2', { outlet_id: 'W2', fee_charged: 150, fee_standard: 100 }),
        ticket('GD3', { outlet_id: 'W2', fee_charged: 100, fee_standard: 100 }),
        ticket('GD4', { outlet_id: 'W2', fee_charged: 130, fee_standard: 100 }),
        ticket('GD5', { fee_charged: 120.5, fee_standard: 100 }),
        ticket('GD6', { outlet_id: 'W2', fee_charged: 150, fee_standard: null }),
      ],
      complaints: [
        { complaint_id: 'C1', ticket_id: 'GD1', category: 'overcharge', received_at: '2026-03-10 10:00:00' },
        { complaint_id: 'C2', ticket_id: 'GD2', category: 'overcharge', received_at: '2026-03-10 10:00:00', verified: false },
        { complaint_id: 'C3', ticket_id: 'GD3', category: 'overcharge', received_at: '2026-03-10 10:00:00' },
        { complaint_id: 'C4', ticket_id: 'GD4', category: 'service_attitude', received_at: '2026-03-10 10:00:00' },
        // names W2, but the ticket is W1's
        { complaint_id: 'C5', ticket_id: 'GD5', outlet_id: 'W2', category: 'overcharge', responsible: 'outlet', received_at: '2026-03-12 10:00:00' },
        { complaint_id: 'C6', ticket_id: 'GD6', category: 'overcharge', received_at: '2026-03-10 10:00:00' },
      ],
    });
    expect(await rows(db, 'outlet_penalty_lines', ['month', 'outlet_id', 'complaint_id', 'ticket_id', 'overcharge', 'amount'], 'ticket_id')).toEqual([
      { month: '2026-03', outlet_id: 'W1', complaint_id: 'C1', ticket_id: 'GD1', overcharge: 80, amount: 800 },
      { month: '2026-03', outlet_id: 'W1', complaint_id: 'C5', ticket_id: 'GD5', overcharge: 20.5, amount: 205 },
    ]);
    db.close();
  });
});

describe('orphans', () => {
  it('a revisit or complaint whose ticket is not loaded gives no penalty until the ticket arrives', async () => {
    const fixture = {
      revisits: [{ revisit_id: 'HF1', ticket_id: 'GD1', revisit_at: '2026-03-03 10:00:00', shoe_covers: false }],
      complaints: [{ complaint_id: 'C1', ticket_id: 'GD1', technician_id: 'T1', outlet_id: 'W1', category: 'overcharge', received_at: '2026-03-10 10:00:00' }],
    };
    const db = await fixtureDb(fixture);
    expect(await rows(db, 'penalty_lines', LINE, LINE_ORDER)).toEqual([]);
    expect(await rows(db, 'outlet_penalty_lines', ['outlet_id', 'complaint_id'])).toEqual([]);
    expect(await rows(db, 'penalty_totals', TOTALS)).toEqual([]);
    expect(await rows(db, 'data_orphans', ['kind', 'record_id', 'ticket_id'])).toEqual([
      { kind: 'complaints', record_id: 'C1', ticket_id: 'GD1' },
      { kind: 'revisits', record_id: 'HF1', ticket_id: 'GD1' },
    ]);
    db.close();

    const later = await fixtureDb({ ...fixture, tickets: [ticket('GD1', { fee_charged: 150, fee_standard: 100 })] });
    expect(await rows(later, 'penalty_lines', LINE, LINE_ORDER)).toEqual([
      line({ rule_id: 'NO_SHOE_COVERS', amount: 50, occurred_at: '2026-03-03 10:00:00', ticket_id: 'GD1', revisit_id: 'HF1' }),
      line({ rule_id: 'OVERCHARGE', amount: 500, occurred_at: '2026-03-02 13:00:00', ticket_id: 'GD1', dismissal: true }),
    ]);
    expect(await rows(later, 'outlet_penalty_lines', ['outlet_id', 'complaint_id', 'overcharge', 'amount'])).toEqual([
      { outlet_id: 'W1', complaint_id: 'C1', overcharge: 50, amount: 500 },
    ]);
    expect(await rows(later, 'data_orphans', ['kind', 'record_id'])).toEqual([]);
    later.close();
  });
});
