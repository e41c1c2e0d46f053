// KPI definitions of SPEC §2 on tiny fixtures: revisit coverage, satisfaction, on-time arrival,
// complaints and the complaint ranking, the outlet composite and ranking, the network row, orphans.
// Every expected table is written out in full; where a case is about one ticket, that ticket gets its
// own technician id so the contract table kpi_technician_month shows the ticket's outcome as a row.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import type { Row } from '../pipeline/common/db.ts';
import { fixtureDb, rows, ticket, tickets } from './helpers.ts';

/** A completed ticket whose appointment (10:00–12:00), arrival (11:00) and completion (13:00) fall on `day`. */
function ticketOn(id: string, day: string, overrides: Row = {}): Row {
  return ticket(id, {
    appointment_start: `${day} 10:00:00`,
    appointment_end: `${day} 12:00:00`,
    arrived_at: `${day} 11:00:00`,
    completed_at: `${day} 13:00:00`,
    ...overrides,
  });
}

const COVERAGE = ['technician_id', 'tickets_completed', 'revisit_covered', 'revisit_coverage'];
const SATISFACTION = ['technician_id', 'rated', 'satisfied', 'neutral', 'unsatisfied', 'satisfied_rate', 'neutral_rate', 'unsatisfied_rate'];
const ON_TIME = ['technician_id', 'on_time_judged', 'on_time', 'on_time_rate'];
const MEASURES = [
  'tickets_completed', 'revisit_covered', 'revisit_coverage', 'rated', 'satisfied', 'neutral', 'unsatisfied',
  'satisfied_rate', 'neutral_rate', 'unsatisfied_rate', 'on_time_judged', 'on_time', 'on_time_rate', 'complaints', 'complaint_rate',
];

describe('revisit coverage', () => {
  it('covers a ticket by a reached call from completed_at up to completed_at + 72 h, both ends included', async () => {
    // every ticket completes 2026-03-02 13:00:00, so the window ends 2026-03-05 13:00:00
    const db = await fixtureDb({
      tickets: [
        ticket('GD-AT', { technician_id: 'AT_COMPLETION' }),
        ticket('GD-EDGE', { technician_id: 'AT_72H' }),
        ticket('GD-PAST', { technician_id: 'AT_72H_1S' }),
        ticket('GD-LATE', { technician_id: 'AT_72H_1M' }),
        ticket('GD-BEFORE', { technician_id: 'BEFORE_COMPLETION' }),
        ticket('GD-UNREACHED', { technician_id: 'UNREACHED' }),
        ticket('GD-NONE', { technician_id: 'NO_REVISIT' }),
      ],
      revisits: [
        { revisit_id: 'HF-AT', ticket_id: 'GD-AT', revisit_at: '2026-03-02 13:00:00' },
        { revisit_id: 'HF-EDGE', ticket_id: 'GD-EDGE', revisit_at: '2026-03-05 13:00:00' },
        { revisit_id: 'HF-PAST', ticket_id: 'GD-PAST', revisit_at: '2026-03-05 13:00:01' },
        { revisit_id: 'HF-LATE', ticket_id: 'GD-LATE', revisit_at: '2026-03-05 13:01:00' },
        // a reached, rated call one second before completion: no coverage and no verdict
        { revisit_id: 'HF-BEFORE', ticket_id: 'GD-BEFORE', revisit_at: '2026-03-02 12:59:59', result: 'unsatisfied' },
        { revisit_id: 'HF-UNREACHED', ticket_id: 'GD-UNREACHED', revisit_at: '2026-03-03 10:00:00', reached: false },
      ],
    });
    // rated: only HF-BEFORE carries a result, and a call before completion gives no verdict
    expect(await rows(db, 'kpi_technician_month', [...COVERAGE, 'rated'], 'technician_id')).toEqual([
      { technician_id: 'AT_72H', tickets_completed: 1, revisit_covered: 1, revisit_coverage: 1, rated: 0 },
      { technician_id: 'AT_72H_1M', tickets_completed: 1, revisit_covered: 0, revisit_coverage: 0, rated: 0 },
      { technician_id: 'AT_72H_1S', tickets_completed: 1, revisit_covered: 0, revisit_coverage: 0, rated: 0 },
      { technician_id: 'AT_COMPLETION', tickets_completed: 1, revisit_covered: 1, revisit_coverage: 1, rated: 0 },
      { technician_id: 'BEFORE_COMPLETION', tickets_completed: 1, revisit_covered: 0, revisit_coverage: 0, rated: 0 },
      { technician_id: 'NO_REVISIT', tickets_completed: 1, revisit_covered: 0, revisit_coverage: 0, rated: 0 },
      { technician_id: 'UNREACHED', tickets_completed: 1, revisit_covered: 0, revisit_coverage: 0, rated: 0 },
    ]);
    // 2 covered of 7
    expect(await rows(db, 'kpi_network_month', ['month', 'tickets_completed', 'revisit_covered', 'revisit_coverage'])).toEqual([
      { month: '2026-03', tickets_completed: 7, revisit_covered: 2, revisit_coverage: expect.closeTo(2 / 7, 12) },
    ]);
    db.close();
  });

  it('uses a per-service-type window from the config and the default window for the other types', async () => {
    const config = defaultConfig();
    config.revisit.window_hours_by_service_type = { install: 48 };
    const db = await fixtureDb(
      {
        tickets: [
          ticket('GD-I48', { technician_id: 'INSTALL_AT_48H', service_type: 'install' }),
          ticket('GD-I48S', { technician_id: 'INSTALL_AT_48H_1S', service_type: 'install' }),
          ticket('GD-I72', { technician_id: 'INSTALL_AT_72H', service_type: 'install' }),
          ticket('GD-R72', { technician_id: 'REPAIR_AT_72H', service_type: 'repair' }),
        ],
        revisits: [
          { revisit_id: 'HF1', ticket_id: 'GD-I48', revisit_at: '2026-03-04 13:00:00' },
          { revisit_id: 'HF2', ticket_id: 'GD-I48S', revisit_at: '2026-03-04 13:00:01' },
          { revisit_id: 'HF3', ticket_id: 'GD-I72', revisit_at: '2026-03-05 13:00:00' },
          { revisit_id: 'HF4', ticket_id: 'GD-R72', revisit_at: '2026-03-05 13:00:00' },
        ],
      },
      config,
    );
    expect(await rows(db, 'kpi_technician_month', COVERAGE)).toEqual([
      { technician_id: 'INSTALL_AT_48H', tickets_completed: 1, revisit_covered: 1, revisit_coverage: 1 },
      { technician_id: 'INSTALL_AT_48H_1S', tickets_completed: 1, revisit_covered: 0, revisit_coverage: 0 },
      { technician_id: 'INSTALL_AT_72H', tickets_completed: 1, revisit_covered: 0, revisit_coverage: 0 },
      { technician_id: 'REPAIR_AT_72H', tickets_completed: 1, revisit_covered: 1, revisit_coverage: 1 },
    ]);
    db.close();
  });

  it('counts only completed tickets: cancelled and open tickets appear in no KPI table', async () => {
    const db = await fixtureDb({
      tickets: [
        ticket('GD1'),
        // a cancelled ticket that still carries a completion time, a late arrival and a revisit
        ticket('GD2', { technician_id: 'T2', status: 'cancelled', arrived_at: '2026-03-02 12:30:00' }),
        ticket('GD3', { technician_id: 'T3', outlet_id: 'W3', status: 'open', completed_at: null }),
      ],
      revisits: [
        { revisit_id: 'HF1', ticket_id: 'GD1', revisit_at: '2026-03-03 10:00:00', result: 'satisfied' },
        { revisit_id: 'HF2', ticket_id: 'GD2', revisit_at: '2026-03-03 10:00:00', result: 'unsatisfied' },
        { revisit_id: 'HF3', ticket_id: 'GD3', revisit_at: '2026-03-03 10:00:00', result: 'unsatisfied' },
      ],
    });
    const cols = ['month', 'tickets_completed', 'revisit_covered', 'rated', 'satisfied', 'unsatisfied', 'on_time_judged', 'on_time'];
    const one = { month: '2026-03', tickets_completed: 1, revisit_covered: 1, rated: 1, satisfied: 1, unsatisfied: 0, on_time_judged: 1, on_time: 1 };
    expect(await rows(db, 'kpi_technician_month', ['technician_id', ...cols], 'technician_id')).toEqual([{ technician_id: 'T1', ...one }]);
    expect(await rows(db, 'kpi_outlet_month', ['outlet_id', ...cols], 'outlet_id')).toEqual([{ outlet_id: 'W1', ...one }]);
    expect(await rows(db, 'kpi_network_month', cols, 'month')).toEqual([one]);
    db.close();
  });

  it('puts a ticket in the month of completed_at, even when its revisit falls in the next month', async () => {
    const db = await fixtureDb({
      tickets: [
        ticket('GD1', { created_at: '2026-03-30 09:00:00', appointment_start: null, appointment_end: null, arrived_at: null, completed_at: '2026-03-31 23:59:00' }),
        ticket('GD2', { created_at: '2026-03-31 09:00:00', appointment_start: null, appointment_end: null, arrived_at: null, completed_at: '2026-04-01 00:00:00' }),
      ],
      revisits: [{ revisit_id: 'HF1', ticket_id: 'GD1', revisit_at: '2026-04-01 10:00:00', result: 'satisfied' }],
    });
    expect(await rows(db, 'kpi_network_month', ['month', 'tickets_completed', 'revisit_covered', 'rated', 'satisfied'])).toEqual([
      { month: '2026-03', tickets_completed: 1, revisit_covered: 1, rated: 1, satisfied: 1 },
      { month: '2026-04', tickets_completed: 1, revisit_covered: 0, rated: 0, satisfied: 0 },
    ]);
    expect(await rows(db, 'kpi_technician_month', ['month', 'technician_id', 'tickets_completed', 'revisit_covered'])).toEqual([
      { month: '2026-03', technician_id: 'T1', tickets_completed: 1, revisit_covered: 1 },
      { month: '2026-04', technician_id: 'T1', tickets_completed: 1, revisit_covered: 0 },
    ]);
    db.close();
  });
});

describe('satisfaction', () => {
  it("takes the verdict from the earliest reached, rated call at or after completion, with no window", async () => {
    const db = await fixtureDb({
      tickets: [
        ticket('GD-LATE', { technician_id: 'BEYOND_72H' }),
        ticket('GD-FOLLOW', { technician_id: 'FOLLOW_UP' }),
        ticket('GD-UNRATED', { technician_id: 'UNRATED_FIRST' }),
        ticket('GD-UNREACHED', { technician_id: 'UNREACHED_FIRST' }),
        ticket('GD-BEFORE', { technician_id: 'BEFORE_ONLY' }),
      ],
      revisits: [
        // ten days after completion: no coverage, but the verdict still counts
        { revisit_id: 'HF-L', ticket_id: 'GD-LATE', revisit_at: '2026-03-12 13:00:00', result: 'neutral' },
        // the first rated call decides; the follow-up does not overwrite it
        { revisit_id: 'HF-F1', ticket_id: 'GD-FOLLOW', revisit_at: '2026-03-03 10:00:00', result: 'unsatisfied' },
        { revisit_id: 'HF-F2', ticket_id: 'GD-FOLLOW', revisit_at: '2026-03-04 10:00:00', result: 'satisfied' },
        // an unrated reached call does not block the rated one after it
        { revisit_id: 'HF-U1', ticket_id: 'GD-UNRATED', revisit_at: '2026-03-02 14:00:00' },
        { revisit_id: 'HF-U2', ticket_id: 'GD-UNRATED', revisit_at: '2026-03-03 10:00:00', result: 'satisfied' },
        // an unreached call is no verdict, whatever it carries
        { revisit_id: 'HF-N1', ticket_id: 'GD-UNREACHED', revisit_at: '2026-03-02 14:00:00', reached: false, result: 'unsatisfied' },
        { revisit_id: 'HF-N2', ticket_id: 'GD-UNREACHED', revisit_at: '2026-03-03 10:00:00', result: 'neutral' },
        // before completion: no verdict
        { revisit_id: 'HF-B', ticket_id: 'GD-BEFORE', revisit_at: '2026-03-02 12:00:00', result: 'satisfied' },
      ],
    });
    expect(await rows(db, 'kpi_technician_month', [...SATISFACTION, 'revisit_covered'], 'technician_id')).toEqual([
      { technician_id: 'BEFORE_ONLY', rated: 0, satisfied: 0, neutral: 0, unsatisfied: 0, satisfied_rate: null, neutral_rate: null, unsatisfied_rate: null, revisit_covered: 0 },
      { technician_id: 'BEYOND_72H', rated: 1, satisfied: 0, neutral: 1, unsatisfied: 0, satisfied_rate: 0, neutral_rate: 1, unsatisfied_rate: 0, revisit_covered: 0 },
      { technician_id: 'FOLLOW_UP', rated: 1, satisfied: 0, neutral: 0, unsatisfied: 1, satisfied_rate: 0, neutral_rate: 0, unsatisfied_rate: 1, revisit_covered: 1 },
      { technician_id: 'UNRATED_FIRST', rated: 1, satisfied: 1, neutral: 0, unsatisfied: 0, satisfied_rate: 1, neutral_rate: 0, unsatisfied_rate: 0, revisit_covered: 1 },
      { technician_id: 'UNREACHED_FIRST', rated: 1, satisfied: 0, neutral: 1, unsatisfied: 0, satisfied_rate: 0, neutral_rate: 1, unsatisfied_rate: 0, revisit_covered: 1 },
    ]);
    db.close();
  });

  it('rates are shares of rated tickets that add up to 1, and are null when nothing is rated', async () => {
    const call = (id: string, result: string | null): Row => ({ revisit_id: `HF-${id}`, ticket_id: id, revisit_at: '2026-03-03 10:00:00', result });
    const db = await fixtureDb({
      tickets: [
        ...tickets('A', 5),
        ...tickets('B', 3),
        ticket('C-1', { technician_id: 'C' }),
        ticket('C-2', { technician_id: 'C' }),
      ],
      revisits: [
        // A: satisfied, satisfied, neutral, unsatisfied, and one ticket reached but not rated → rated 4
        call('A-001', 'satisfied'), call('A-002', 'satisfied'), call('A-003', 'neutral'), call('A-004', 'unsatisfied'), call('A-005', null),
        // B: one of each → 1/3 each
        call('B-001', 'satisfied'), call('B-002', 'neutral'), call('B-003', 'unsatisfied'),
        // C: reached but never rated, and a ticket with no call
        call('C-1', null),
      ],
    });
    const got = await rows(db, 'kpi_technician_month', SATISFACTION, 'technician_id');
    expect(got).toEqual([
      { technician_id: 'A', rated: 4, satisfied: 2, neutral: 1, unsatisfied: 1, satisfied_rate: 0.5, neutral_rate: 0.25, unsatisfied_rate: 0.25 },
      { technician_id: 'B', rated: 3, satisfied: 1, neutral: 1, unsatisfied: 1, satisfied_rate: expect.closeTo(1 / 3, 12), neutral_rate: expect.closeTo(1 / 3, 12), unsatisfied_rate: expect.closeTo(1 / 3, 12) },
      { technician_id: 'C', rated: 0, satisfied: 0, neutral: 0, unsatisfied: 0, satisfied_rate: null, neutral_rate: null, unsatisfied_rate: null },
    ]);
    for (const r of got.slice(0, 2)) {
      expect(Number(r.satisfied) + Number(r.neutral) + Number(r.unsatisfied)).toBe(r.rated);
      expect(Number(r.satisfied_rate) + Number(r.neutral_rate) + Number(r.unsatisfied_rate)).toBeCloseTo(1, 12);
    }
    // network: rated 7 = 3 satisfied + 2 neutral + 2 unsatisfied
    expect(await rows(db, 'kpi_network_month', ['month', ...SATISFACTION.slice(1)])).toEqual([
      { month: '2026-03', rated: 7, satisfied: 3, neutral: 2, unsatisfied: 2, satisfied_rate: expect.closeTo(3 / 7, 12), neutral_rate: expect.closeTo(2 / 7, 12), unsatisfied_rate: expect.closeTo(2 / 7, 12) },
    ]);
    db.close();
  });
});

describe('on-time arrival', () => {
  it('judges tickets with appointment_start and arrived_at against appointment_end, or start + grace (0) without an end', async () => {
    const db = await fixtureDb({
      tickets: [
        ticket('GD1', { technician_id: 'AT_END', arrived_at: '2026-03-02 12:00:00' }),
        ticket('GD2', { technician_id: 'AFTER_END_1S', arrived_at: '2026-03-02 12:00:01' }),
        ticket('GD3', { technician_id: 'INSIDE', arrived_at: '2026-03-02 09:30:00' }),
        ticket('GD4', { technician_id: 'NO_END_AT_START', appointment_end: null, arrived_at: '2026-03-02 10:00:00' }),
        ticket('GD5', { technician_id: 'NO_END_AFTER_START', appointment_end: null, arrived_at: '2026-03-02 10:01:00' }),
        ticket('GD6', { technician_id: 'NO_START', appointment_start: null, arrived_at: '2026-03-02 18:00:00' }),
        ticket('GD7', { technician_id: 'NO_ARRIVAL', arrived_at: null }),
      ],
    });
    expect(await rows(db, 'kpi_technician_month', ON_TIME, 'technician_id')).toEqual([
      { technician_id: 'AFTER_END_1S', on_time_judged: 1, on_time: 0, on_time_rate: 0 },
      { technician_id: 'AT_END', on_time_judged: 1, on_time: 1, on_time_rate: 1 },
      { technician_id: 'INSIDE', on_time_judged: 1, on_time: 1, on_time_rate: 1 },
      { technician_id: 'NO_ARRIVAL', on_time_judged: 0, on_time: 0, on_time_rate: null },
      { technician_id: 'NO_END_AFTER_START', on_time_judged: 1, on_time: 0, on_time_rate: 0 },
      { technician_id: 'NO_END_AT_START', on_time_judged: 1, on_time: 1, on_time_rate: 1 },
      { technician_id: 'NO_START', on_time_judged: 0, on_time: 0, on_time_rate: null },
    ]);
    // judged 5, on time 3
    expect(await rows(db, 'kpi_network_month', ['month', 'on_time_judged', 'on_time', 'on_time_rate'])).toEqual([
      { month: '2026-03', on_time_judged: 5, on_time: 3, on_time_rate: 0.6 },
    ]);
    db.close();
  });

  it('adds the config grace to appointment_start only when appointment_end is missing', async () => {
    const config = defaultConfig();
    config.on_time.grace_minutes = 30;
    const db = await fixtureDb(
      {
        tickets: [
          ticket('GD1', { technician_id: 'NO_END_AT_GRACE', appointment_end: null, arrived_at: '2026-03-02 10:30:00' }),
          ticket('GD2', { technician_id: 'NO_END_PAST_GRACE', appointment_end: null, arrived_at: '2026-03-02 10:30:01' }),
          // with an end, the end is the deadline: no grace on top of it
          ticket('GD3', { technician_id: 'END_PLUS_20M', arrived_at: '2026-03-02 12:20:00' }),
        ],
      },
      config,
    );
    expect(await rows(db, 'kpi_technician_month', ON_TIME, 'technician_id')).toEqual([
      { technician_id: 'END_PLUS_20M', on_time_judged: 1, on_time: 0, on_time_rate: 0 },
      { technician_id: 'NO_END_AT_GRACE', on_time_judged: 1, on_time: 1, on_time_rate: 1 },
      { technician_id: 'NO_END_PAST_GRACE', on_time_judged: 1, on_time: 0, on_time_rate: 0 },
    ]);
    db.close();
  });

  it('moves the judgement to the new appointment only for a reschedule given at least 20 minutes before the original deadline', async () => {
    // original appointment 03-02 10:00–12:00, new appointment 03-03 10:00–12:00, arrival 03-03 11:00
    const moved = (id: string, technicianId: string, overrides: Row): Row =>
      ticket(id, {
        technician_id: technicianId,
        original_appointment_start: '2026-03-02 10:00:00',
        original_appointment_end: '2026-03-02 12:00:00',
        appointment_start: '2026-03-03 10:00:00',
        appointment_end: '2026-03-03 12:00:00',
        arrived_at: '2026-03-03 11:00:00',
        completed_at: '2026-03-03 13:00:00',
        ...overrides,
      });
    const db = await fixtureDb({
      tickets: [
        moved('GD1', 'NOTICE_20M', { rescheduled_at: '2026-03-02 11:40:00' }),
        moved('GD2', 'NOTICE_19M', { rescheduled_at: '2026-03-02 11:41:00' }),
        moved('GD3', 'NOTICE_19M59S', { rescheduled_at: '2026-03-02 11:40:01' }),
        // late notice, but arrival still before the original deadline
        moved('GD4', 'LATE_NOTICE_EARLY_ARRIVAL', { rescheduled_at: '2026-03-02 11:50:00', arrived_at: '2026-03-02 11:55:00' }),
        // no original end: the original deadline is original start + grace (0) = 03-02 10:00
        moved('GD5', 'NO_ORIG_END_20M', { original_appointment_end: null, rescheduled_at: '2026-03-02 09:40:00' }),
        moved('GD6', 'NO_ORIG_END_19M', { original_appointment_end: null, rescheduled_at: '2026-03-02 09:41:00' }),
        // rescheduled_at without original_appointment_start is no reschedule: the appointment on the ticket is the deadline
        moved('GD7', 'NO_ORIG_START', { original_appointment_start: null, original_appointment_end: null, rescheduled_at: '2026-03-03 10:59:00' }),
      ],
    });
    expect(await rows(db, 'kpi_technician_month', ON_TIME, 'technician_id')).toEqual([
      { technician_id: 'LATE_NOTICE_EARLY_ARRIVAL', on_time_judged: 1, on_time: 1, on_time_rate: 1 },
      { technician_id: 'NOTICE_19M', on_time_judged: 1, on_time: 0, on_time_rate: 0 },
      { technician_id: 'NOTICE_19M59S', on_time_judged: 1, on_time: 0, on_time_rate: 0 },
      { technician_id: 'NOTICE_20M', on_time_judged: 1, on_time: 1, on_time_rate: 1 },
      { technician_id: 'NO_ORIG_END_19M', on_time_judged: 1, on_time: 0, on_time_rate: 0 },
      { technician_id: 'NO_ORIG_END_20M', on_time_judged: 1, on_time: 1, on_time_rate: 1 },
      { technician_id: 'NO_ORIG_START', on_time_judged: 1, on_time: 1, on_time_rate: 1 },
    ]);
    db.close();
  });

  it('uses original start + config grace as the original deadline when the original end is missing', async () => {
    const config = defaultConfig();
    config.on_time.grace_minutes = 30;
    // original deadline 03-02 10:00 + 30 min = 10:30; 20 min notice means by 10:10
    const moved = (id: string, technicianId: string, rescheduledAt: string): Row =>
      ticket(id, {
        technician_id: technicianId,
        original_appointment_start: '2026-03-02 10:00:00',
        rescheduled_at: rescheduledAt,
        appointment_start: '2026-03-03 10:00:00',
        appointment_end: '2026-03-03 12:00:00',
        arrived_at: '2026-03-03 11:00:00',
        completed_at: '2026-03-03 13:00:00',
      });
    const db = await fixtureDb({ tickets: [moved('GD1', 'AT_10_10', '2026-03-02 10:10:00'), moved('GD2', 'AT_10_11', '2026-03-02 10:11:00')] }, config);
    expect(await rows(db, 'kpi_technician_month', ON_TIME, 'technician_id')).toEqual([
      { technician_id: 'AT_10_10', on_time_judged: 1, on_time: 1, on_time_rate: 1 },
      { technician_id: 'AT_10_11', on_time_judged: 1, on_time: 0, on_time_rate: 0 },
    ]);
    db.close();
  });
});

describe('complaints', () => {
  it('counts verified technician complaints by month of received_at, credited through the loaded ticket, else the complaint', async () => {
    const db = await fixtureDb({
      tickets: [
        ticket('GD1'),
        ...tickets('T2', 4),
        // loaded but cancelled: the complaint still goes to this ticket's technician
        ticket('GD3', { technician_id: 'T3', status: 'cancelled', completed_at: null, arrived_at: null }),
      ],
      technicians: [{ technician_id: 'T1', outlet_id: 'W9' }],
      complaints: [
        // names T2, but its ticket is loaded and belongs to T1
        { complaint_id: 'C1', ticket_id: 'GD1', technician_id: 'T2', received_at: '2026-03-31 23:59:59' },
        // no ticket: the complaint's own technician
        { complaint_id: 'C2', technician_id: 'T2', received_at: '2026-03-10 10:00:00' },
        // ticket not loaded: the complaint's own technician
        { complaint_id: 'C3', ticket_id: 'GD-MISSING', technician_id: 'T2', received_at: '2026-03-10 10:00:00' },
        { complaint_id: 'C4', ticket_id: 'GD1', received_at: '2026-03-10 10:00:00', verified: false },
        { complaint_id: 'C5', ticket_id: 'GD1', received_at: '2026-03-10 10:00:00', responsible: 'outlet' },
        { complaint_id: 'C6', ticket_id: 'GD1', received_at: '2026-03-10 10:00:00', responsible: 'product' },
        { complaint_id: 'C7', ticket_id: 'GD1', received_at: '2026-03-10 10:00:00', responsible: 'other' },
        // April by received_at, though the ticket completed in March
        { complaint_id: 'C8', ticket_id: 'GD1', received_at: '2026-04-01 00:00:00' },
        // no ticket and no technician: credited to no technician
        { complaint_id: 'C9', received_at: '2026-03-10 10:00:00' },
        { complaint_id: 'C10', ticket_id: 'GD3', technician_id: 'T2', received_at: '2026-03-10 10:00:00' },
      ],
    });
    // a technician with complaints but no completed tickets that month gets a row: tickets 0,
    // complaint_rate null (denominator 0), unranked; its outlet falls back to the technicians table (or null)
    expect(await rows(db, 'kpi_technician_month', ['month', 'technician_id', 'outlet_id', 'tickets_completed', 'complaints', 'complaint_rate', 'complaint_rank'])).toEqual([
      { month: '2026-03', technician_id: 'T1', outlet_id: 'W1', tickets_completed: 1, complaints: 1, complaint_rate: 1, complaint_rank: null },
      { month: '2026-03', technician_id: 'T2', outlet_id: 'W1', tickets_completed: 4, complaints: 2, complaint_rate: 0.5, complaint_rank: null },
      { month: '2026-03', technician_id: 'T3', outlet_id: null, tickets_completed: 0, complaints: 1, complaint_rate: null, complaint_rank: null },
      { month: '2026-04', technician_id: 'T1', outlet_id: 'W9', tickets_completed: 0, complaints: 1, complaint_rate: null, complaint_rank: null },
    ]);
    db.close();
  });

  it('ranks technicians with at least 20 tickets by complaint_rate, then complaints, descending; ties share a rank', async () => {
    const against = (technicianId: string, n: number): Row[] =>
      Array.from({ length: n }, (_, i) => ({ complaint_id: `C-${technicianId}-${i + 1}`, technician_id: technicianId, received_at: '2026-03-10 10:00:00' }));
    const db = await fixtureDb({
      tickets: [...tickets('A', 20), ...tickets('B', 20), ...tickets('C', 40), ...tickets('D', 20), ...tickets('E', 19), ...tickets('F', 20)],
      complaints: [...against('A', 2), ...against('B', 2), ...against('C', 2), ...against('D', 1), ...against('E', 5)],
    });
    expect(await rows(db, 'kpi_technician_month', ['technician_id', 'tickets_completed', 'complaints', 'complaint_rate', 'complaint_rank'], 'technician_id')).toEqual([
      { technician_id: 'A', tickets_completed: 20, complaints: 2, complaint_rate: 0.1, complaint_rank: 1 },
      { technician_id: 'B', tickets_completed: 20, complaints: 2, complaint_rate: 0.1, complaint_rank: 1 },
      // same rate as D, more complaints
      { technician_id: 'C', tickets_completed: 40, complaints: 2, complaint_rate: 0.05, complaint_rank: 3 },
      { technician_id: 'D', tickets_completed: 20, complaints: 1, complaint_rate: 0.05, complaint_rank: 4 },
      // the highest rate, but under 20 tickets: unranked
      { technician_id: 'E', tickets_completed: 19, complaints: 5, complaint_rate: expect.closeTo(5 / 19, 12), complaint_rank: null },
      { technician_id: 'F', tickets_completed: 20, complaints: 0, complaint_rate: 0, complaint_rank: 5 },
    ]);
    db.close();
  });
});

describe('outlets', () => {
  it('counts verified technician and outlet complaints, credited through the loaded ticket, else the complaint', async () => {
    const db = await fixtureDb({
      tickets: [...tickets('T1', 4), ...tickets('T2', 4, { outlet_id: 'W2' })],
      complaints: [
        // names W2, but its ticket is loaded and belongs to W1
        { complaint_id: 'C1', ticket_id: 'T1-001', outlet_id: 'W2', received_at: '2026-03-10 10:00:00' },
        { complaint_id: 'C2', ticket_id: 'T2-001', received_at: '2026-03-10 10:00:00', responsible: 'outlet' },
        // no ticket: the complaint's own outlet, which has no tickets this month
        { complaint_id: 'C3', outlet_id: 'W3', received_at: '2026-03-10 10:00:00', responsible: 'outlet' },
        { complaint_id: 'C4', ticket_id: 'T1-001', received_at: '2026-03-10 10:00:00', responsible: 'product' },
        // ticket not loaded: the complaint's own outlet
        { complaint_id: 'C5', ticket_id: 'GD-MISSING', outlet_id: 'W2', received_at: '2026-03-10 10:00:00' },
        { complaint_id: 'C6', ticket_id: 'T1-002', received_at: '2026-03-10 10:00:00', responsible: 'outlet', verified: false },
        { complaint_id: 'C7', ticket_id: 'T1-003', received_at: '2026-03-10 10:00:00', responsible: 'other' },
      ],
    });
    expect(await rows(db, 'kpi_outlet_month', ['outlet_id', 'tickets_completed', 'complaints', 'complaint_rate'], 'outlet_id')).toEqual([
      { outlet_id: 'W1', tickets_completed: 4, complaints: 1, complaint_rate: 0.25 },
      { outlet_id: 'W2', tickets_completed: 4, complaints: 2, complaint_rate: 0.5 },
      { outlet_id: 'W3', tickets_completed: 0, complaints: 1, complaint_rate: null },
    ]);
    // technician level: only responsible = technician (C1 → T1; C5 names no technician)
    expect(await rows(db, 'kpi_technician_month', ['technician_id', 'complaints'], 'technician_id')).toEqual([
      { technician_id: 'T1', complaints: 1 },
      { technician_id: 'T2', complaints: 0 },
    ]);
    expect(await rows(db, 'kpi_network_month', ['month', 'tickets_completed', 'complaints', 'complaint_rate'])).toEqual([
      { month: '2026-03', tickets_completed: 8, complaints: 4, complaint_rate: 0.5 },
    ]);
    db.close();
  });

  it('scores the composite from the four parts with the config weights, null when any part is null', async () => {
    const w1 = tickets('T1', 20).map((t, i) => (i >= 16 ? { ...t, arrived_at: '2026-03-02 12:30:00' } : t));
    const w1Calls = w1.slice(0, 15).map((t, i) => ({
      revisit_id: `HF-${String(t.ticket_id)}`,
      ticket_id: t.ticket_id,
      revisit_at: '2026-03-03 10:00:00',
      result: i < 6 ? 'satisfied' : 'neutral',
    }));
    const db = await fixtureDb({
      tickets: [
        ...w1,
        ...tickets('T2', 2, { outlet_id: 'W2' }),
        // W3: nothing rated → satisfied_rate null
        ticket('GD3', { technician_id: 'T3', outlet_id: 'W3' }),
        // W4: nothing judged → on_time_rate null
        ticket('GD4', { technician_id: 'T4', outlet_id: 'W4', appointment_start: null }),
      ],
      revisits: [
        ...w1Calls,
        { revisit_id: 'HF-W2-1', ticket_id: 'T2-001', revisit_at: '2026-03-03 10:00:00', result: 'satisfied' },
        { revisit_id: 'HF-W2-2', ticket_id: 'T2-002', revisit_at: '2026-03-03 10:00:00', result: 'satisfied' },
        { revisit_id: 'HF-W3', ticket_id: 'GD3', revisit_at: '2026-03-03 10:00:00' },
        { revisit_id: 'HF-W4', ticket_id: 'GD4', revisit_at: '2026-03-03 10:00:00', result: 'satisfied' },
      ],
      complaints: [
        { complaint_id: 'C1', ticket_id: 'T1-001', received_at: '2026-03-10 10:00:00' },
        { complaint_id: 'C2', ticket_id: 'T2-001', received_at: '2026-03-10 10:00:00', responsible: 'outlet' },
        // W5: complaints only, no tickets → coverage null
        { complaint_id: 'C3', outlet_id: 'W5', received_at: '2026-03-10 10:00:00', responsible: 'outlet' },
      ],
    });
    expect(await rows(db, 'kpi_outlet_month', ['outlet_id', 'revisit_coverage', 'satisfied_rate', 'on_time_rate', 'complaint_rate', 'composite'], 'outlet_id')).toEqual([
      // coverage 15/20 = 0.75, satisfied 6/15 = 0.4, on time 16/20 = 0.8, complaints 1/20 = 0.05:
      // 0.25·0.75 + 0.35·0.4 + 0.25·0.8 + 0.15·(1 − min(1, 10·0.05)) = 0.1875 + 0.14 + 0.2 + 0.075 = 0.6025
      { outlet_id: 'W1', revisit_coverage: 0.75, satisfied_rate: 0.4, on_time_rate: 0.8, complaint_rate: 0.05, composite: expect.closeTo(0.6025, 12) },
      // complaint rate 0.5 → 10·0.5 = 5, capped at 1: 0.25·1 + 0.35·1 + 0.25·1 + 0.15·0 = 0.85
      { outlet_id: 'W2', revisit_coverage: 1, satisfied_rate: 1, on_time_rate: 1, complaint_rate: 0.5, composite: expect.closeTo(0.85, 12) },
      { outlet_id: 'W3', revisit_coverage: 1, satisfied_rate: null, on_time_rate: 1, complaint_rate: 0, composite: null },
      { outlet_id: 'W4', revisit_coverage: 1, satisfied_rate: 1, on_time_rate: null, complaint_rate: 0, composite: null },
      { outlet_id: 'W5', revisit_coverage: null, satisfied_rate: null, on_time_rate: null, complaint_rate: null, composite: null },
    ]);
    db.close();
  });

  it('ranks outlets with at least 50 tickets by composite; smaller outlets are unranked', async () => {
    const db = await fixtureDb({
      tickets: [...tickets('A', 50), ...tickets('B', 49, { outlet_id: 'W2' })],
      outlets: [{ outlet_id: 'W1', tier: 'service_center' }, { outlet_id: 'W2', tier: 'service_center' }],
      revisits: [
        { revisit_id: 'HF-A', ticket_id: 'A-001', revisit_at: '2026-03-03 10:00:00', result: 'satisfied' },
        { revisit_id: 'HF-B', ticket_id: 'B-001', revisit_at: '2026-03-03 10:00:00', result: 'satisfied' },
      ],
    });
    expect(await rows(db, 'kpi_outlet_month', ['outlet_id', 'tier', 'tickets_completed', 'composite', 'outlet_rank', 'tier_rank'], 'outlet_id')).toEqual([
      // 0.25·(1/50) + 0.35·1 + 0.25·1 + 0.15·1 = 0.755
      { outlet_id: 'W1', tier: 'service_center', tickets_completed: 50, composite: expect.closeTo(0.755, 12), outlet_rank: 1, tier_rank: 1 },
      // the better composite (0.25/49 > 0.25/50) but only 49 tickets
      { outlet_id: 'W2', tier: 'service_center', tickets_completed: 49, composite: expect.closeTo(0.75 + 0.25 / 49, 12), outlet_rank: null, tier_rank: null },
    ]);
    db.close();
  });

  it('ranks overall and within tier (tier from the outlets table), ties sharing a rank', async () => {
    const config = defaultConfig();
    config.ranking.outlet_min_tickets = 3;
    // every ticket covered, on time, no complaints: composite = 0.25 + 0.35·satisfied_rate + 0.25 + 0.15
    const outlet = (outletId: string, results: string[]): { tickets: Row[]; revisits: Row[] } => {
      const ts = tickets(`T-${outletId}`, results.length, { outlet_id: outletId });
      return {
        tickets: ts,
        revisits: ts.map((t, i) => ({ revisit_id: `HF-${String(t.ticket_id)}`, ticket_id: t.ticket_id, revisit_at: '2026-03-03 10:00:00', result: results[i] })),
      };
    };
    const parts = [
      outlet('W1', ['satisfied', 'satisfied', 'satisfied']), // 1.0
      outlet('W2', ['satisfied', 'satisfied', 'neutral']), // 0.65 + 0.35·2/3
      outlet('W3', ['satisfied', 'neutral', 'satisfied']), // the same
      outlet('W4', ['neutral', 'neutral', 'unsatisfied']), // 0.65
      outlet('W5', ['satisfied', 'satisfied']), // 1.0, but 2 tickets
      outlet('W6', ['satisfied', 'neutral', 'neutral']), // 0.65 + 0.35/3, not in the outlets table
    ];
    const db = await fixtureDb(
      {
        tickets: parts.flatMap((p) => p.tickets),
        revisits: parts.flatMap((p) => p.revisits),
        outlets: [
          { outlet_id: 'W1', tier: 'service_center' },
          { outlet_id: 'W2', tier: 'service_center' },
          { outlet_id: 'W3', tier: 'repair_shop' },
          { outlet_id: 'W4', tier: 'repair_shop' },
          { outlet_id: 'W5', tier: 'authorized' },
        ],
      },
      config,
    );
    expect(await rows(db, 'kpi_outlet_month', ['outlet_id', 'tier', 'composite', 'outlet_rank', 'tier_rank'], 'outlet_id')).toEqual([
      { outlet_id: 'W1', tier: 'service_center', composite: expect.closeTo(1, 12), outlet_rank: 1, tier_rank: 1 },
      { outlet_id: 'W2', tier: 'service_center', composite: expect.closeTo(0.65 + 0.35 * (2 / 3), 12), outlet_rank: 2, tier_rank: 2 },
      { outlet_id: 'W3', tier: 'repair_shop', composite: expect.closeTo(0.65 + 0.35 * (2 / 3), 12), outlet_rank: 2, tier_rank: 1 },
      { outlet_id: 'W4', tier: 'repair_shop', composite: expect.closeTo(0.65, 12), outlet_rank: 5, tier_rank: 2 },
      { outlet_id: 'W5', tier: 'authorized', composite: expect.closeTo(1, 12), outlet_rank: null, tier_rank: null },
      { outlet_id: 'W6', tier: null, composite: expect.closeTo(0.65 + 0.35 / 3, 12), outlet_rank: 4, tier_rank: null },
    ]);
    db.close();
  });

  it('gives the rank change against the previous calendar month (previous rank − rank; positive = moved up)', async () => {
    const config = defaultConfig();
    config.ranking.outlet_min_tickets = 1;
    const rated = (id: string, outletId: string, day: string, result: string): { t: Row; r: Row } => ({
      t: ticketOn(id, day, { outlet_id: outletId }),
      r: { revisit_id: `HF-${id}`, ticket_id: id, revisit_at: `${day} 18:00:00`, result },
    });
    const parts = [
      rated('D1', 'W1', '2025-12-02', 'satisfied'), // Dec: W1 1.0 → rank 1
      rated('D2', 'W2', '2025-12-02', 'neutral'), //   W2 0.65 → rank 2
      rated('J1', 'W1', '2026-01-05', 'neutral'), // Jan: W1 0.65 → rank 3 (change 1 − 3 = −2)
      rated('J2', 'W2', '2026-01-05', 'satisfied'), //    W2 1.0 → rank 1 (change 2 − 1 = +1)
      rated('J3', 'W3', '2026-01-05', 'satisfied'), //    W3 1.0 → rank 1 (no December rank: null)
      rated('M1', 'W1', '2026-03-02', 'satisfied'), // Mar: W1 rank 1; no February rank: null
    ];
    const db = await fixtureDb({ tickets: parts.map((p) => p.t), revisits: parts.map((p) => p.r) }, config);
    expect(await rows(db, 'kpi_outlet_month', ['month', 'outlet_id', 'outlet_rank', 'rank_change'])).toEqual([
      { month: '2025-12', outlet_id: 'W1', outlet_rank: 1, rank_change: null },
      { month: '2025-12', outlet_id: 'W2', outlet_rank: 2, rank_change: null },
      { month: '2026-01', outlet_id: 'W1', outlet_rank: 3, rank_change: -2 },
      { month: '2026-01', outlet_id: 'W2', outlet_rank: 1, rank_change: 1 },
      { month: '2026-01', outlet_id: 'W3', outlet_rank: 1, rank_change: null },
      { month: '2026-03', outlet_id: 'W1', outlet_rank: 1, rank_change: null },
    ]);
    db.close();
  });

  it("gives a technician's row the outlet of most of that month's tickets, ties to the smallest outlet_id", async () => {
    const db = await fixtureDb({
      tickets: [
        ticket('GD1', { outlet_id: 'W2' }),
        ticket('GD2', { outlet_id: 'W2' }),
        ticket('GD3', { outlet_id: 'W1' }),
        ticketOn('GD4', '2026-04-02', { outlet_id: 'W1' }),
        ticket('GD5', { technician_id: 'T2', outlet_id: 'W3' }),
        ticket('GD6', { technician_id: 'T2', outlet_id: 'W2' }),
      ],
      // the reference table does not override the month's tickets
      technicians: [{ technician_id: 'T1', outlet_id: 'W7' }],
    });
    expect(await rows(db, 'kpi_technician_month', ['month', 'technician_id', 'outlet_id', 'tickets_completed'])).toEqual([
      { month: '2026-03', technician_id: 'T1', outlet_id: 'W2', tickets_completed: 3 },
      { month: '2026-03', technician_id: 'T2', outlet_id: 'W2', tickets_completed: 2 },
      { month: '2026-04', technician_id: 'T1', outlet_id: 'W1', tickets_completed: 1 },
    ]);
    // outlet rows count every ticket at its own outlet
    expect(await rows(db, 'kpi_outlet_month', ['month', 'outlet_id', 'tickets_completed'])).toEqual([
      { month: '2026-03', outlet_id: 'W1', tickets_completed: 1 },
      { month: '2026-03', outlet_id: 'W2', tickets_completed: 3 },
      { month: '2026-03', outlet_id: 'W3', tickets_completed: 1 },
      { month: '2026-04', outlet_id: 'W1', tickets_completed: 1 },
    ]);
    db.close();
  });
});

describe('network', () => {
  it('has the same measures for the whole month, complaints with responsible technician or outlet', async () => {
    const db = await fixtureDb({
      tickets: [
        ticket('GD1'),
        ticket('GD2', { arrived_at: '2026-03-02 12:30:00' }),
        ticket('GD3', { technician_id: 'T2', outlet_id: 'W2', appointment_start: null }),
        ticket('GD4', { technician_id: 'T2', outlet_id: 'W2' }),
      ],
      revisits: [
        { revisit_id: 'HF1', ticket_id: 'GD1', revisit_at: '2026-03-03 10:00:00', result: 'satisfied' },
        { revisit_id: 'HF2', ticket_id: 'GD2', revisit_at: '2026-03-07 10:00:00', result: 'neutral' },
        { revisit_id: 'HF3', ticket_id: 'GD3', revisit_at: '2026-03-03 10:00:00' },
      ],
      complaints: [
        { complaint_id: 'C1', ticket_id: 'GD1', received_at: '2026-03-10 10:00:00' },
        { complaint_id: 'C2', ticket_id: 'GD3', received_at: '2026-03-10 10:00:00', responsible: 'outlet' },
        { complaint_id: 'C3', ticket_id: 'GD1', received_at: '2026-03-10 10:00:00', responsible: 'product' },
        { complaint_id: 'C4', ticket_id: 'GD1', received_at: '2026-03-10 10:00:00', responsible: 'other' },
        { complaint_id: 'C5', ticket_id: 'GD1', received_at: '2026-03-10 10:00:00', verified: false },
        // no ticket, technician or outlet: counts for the network, credited to no outlet
        { complaint_id: 'C6', received_at: '2026-03-12 10:00:00' },
        { complaint_id: 'C7', ticket_id: 'GD4', received_at: '2026-02-27 10:00:00' },
      ],
    });
    expect(await rows(db, 'kpi_network_month', ['month', ...MEASURES])).toEqual([
      { month: '2026-02', tickets_completed: 0, revisit_covered: 0, revisit_coverage: null, rated: 0, satisfied: 0, neutral: 0, unsatisfied: 0, satisfied_rate: null, neutral_rate: null, unsatisfied_rate: null, on_time_judged: 0, on_time: 0, on_time_rate: null, complaints: 1, complaint_rate: null },
      // covered GD1, GD3 (GD2's call is after 72 h); rated GD1 satisfied, GD2 neutral; judged GD1, GD2, GD4, late GD2;
      // complaints C1, C2, C6
      { month: '2026-03', tickets_completed: 4, revisit_covered: 2, revisit_coverage: 0.5, rated: 2, satisfied: 1, neutral: 1, unsatisfied: 0, satisfied_rate: 0.5, neutral_rate: 0.5, unsatisfied_rate: 0, on_time_judged: 3, on_time: 2, on_time_rate: expect.closeTo(2 / 3, 12), complaints: 3, complaint_rate: 0.75 },
    ]);
    expect(await rows(db, 'kpi_outlet_month', ['month', 'outlet_id', 'tickets_completed', 'complaints'])).toEqual([
      { month: '2026-02', outlet_id: 'W2', tickets_completed: 0, complaints: 1 },
      { month: '2026-03', outlet_id: 'W1', tickets_completed: 2, complaints: 1 },
      { month: '2026-03', outlet_id: 'W2', tickets_completed: 2, complaints: 1 },
    ]);
    db.close();
  });
});

describe('orphans', () => {
  it('keeps a revisit or complaint whose ticket is not loaded out of ticket-based KPIs and lists it in data_orphans', async () => {
    const fixture = {
      tickets: [ticket('GD1')],
      revisits: [
        { revisit_id: 'HF1', ticket_id: 'GD1', revisit_at: '2026-03-03 10:00:00', result: 'satisfied' },
        { revisit_id: 'HF2', ticket_id: 'GD2', revisit_at: '2026-03-03 11:00:00', result: 'unsatisfied' },
      ],
      complaints: [
        // ticket not loaded: credited through its own technician_id / outlet_id (SPEC §2.5, §2.6)
        { complaint_id: 'C1', ticket_id: 'GD2', technician_id: 'T1', outlet_id: 'W1', received_at: '2026-03-10 10:00:00' },
        // no ticket named: not an orphan
        { complaint_id: 'C2', technician_id: 'T1', received_at: '2026-03-11 10:00:00' },
      ],
    };
    const cols = ['month', 'tickets_completed', 'revisit_covered', 'rated', 'satisfied', 'unsatisfied', 'complaints'];
    const db = await fixtureDb(fixture);
    expect(await rows(db, 'data_orphans', ['kind', 'record_id', 'ticket_id', 'event_at'])).toEqual([
      { kind: 'complaints', record_id: 'C1', ticket_id: 'GD2', event_at: '2026-03-10 10:00:00' },
      { kind: 'revisits', record_id: 'HF2', ticket_id: 'GD2', event_at: '2026-03-03 11:00:00' },
    ]);
    expect(await rows(db, 'kpi_network_month', cols)).toEqual([
      { month: '2026-03', tickets_completed: 1, revisit_covered: 1, rated: 1, satisfied: 1, unsatisfied: 0, complaints: 2 },
    ]);
    expect(await rows(db, 'kpi_technician_month', ['technician_id', ...cols.slice(1)], 'technician_id')).toEqual([
      { technician_id: 'T1', tickets_completed: 1, revisit_covered: 1, rated: 1, satisfied: 1, unsatisfied: 0, complaints: 2 },
    ]);
    db.close();

    // once the ticket arrives, the revisit counts and nothing is an orphan
    const later = await fixtureDb({ ...fixture, tickets: [ticket('GD1'), ticket('GD2')] });
    expect(await rows(later, 'data_orphans', ['kind', 'record_id'])).toEqual([]);
    expect(await rows(later, 'kpi_network_month', cols)).toEqual([
      { month: '2026-03', tickets_completed: 2, revisit_covered: 2, rated: 2, satisfied: 1, unsatisfied: 1, complaints: 2 },
    ]);
    later.close();
  });
});
