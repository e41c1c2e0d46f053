// The measures of spec part two (section 5) and the line identity of 6.1 on tiny fixtures: repeat
// repairs (the product key, the latest earlier job, the 90-day window, credits and the REPEAT_REPAIR
// line), follow-up calls to unsatisfied customers (the week and month windows), the outlet settlement
// (settlement month, withheld tickets across months, fees, fines, payment due) and line ids. Every
// expected table is written out in full, worked out by hand.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../pipeline/common/config.ts';
import { Db, type Row } from '../pipeline/common/db.ts';
import { DuckDBInstance } from '@duckdb/node-api';
import { applyConfig, BUILD_STATE_TABLE, buildModels, checkInvariants } from '../pipeline/build/index.ts';
import { ensureSchema, loadFolder } from '../pipeline/load/index.ts';
import { freezeMonth } from '../pipeline/build/close.ts';
import { fixtureDb, rows, ticket } from './helpers.ts';

describe('product_serial', () => {
  it.each(['product_serial', '机身条码', '产品条码', '机器编号'])('loads the serial under the header %s, optional, blank as none, 12345.0 as 12345', async (header) => {
    const dir = mkdtempSync(join(tmpdir(), 'sq-serial-'));
    const db = await Db.open(':memory:');
    try {
      await applyConfig(db, defaultConfig());
      writeFileSync(join(dir, '工单_2026-03.csv'), [
        `工单号,网点编号,工程师工号,服务类型,受理时间,完工时间,工单状态,${header}`,
        'GD1,W1,T1,安装,2026-03-01 09:00,2026-03-02 13:00,已完成, BX-001 ',
        'GD2,W1,T1,维修,2026-03-05 09:00,2026-03-06 13:00,已完成,BX-001',
        'GD3,W1,T1,维修,2026-03-07 09:00,2026-03-08 13:00,已完成,',
        'GD4,W1,T1,维修,2026-03-09 09:00,2026-03-10 13:00,已完成,12345.0',
      ].join('\n') + '\n');
      await loadFolder(db, dir);
      expect(await db.all(`select ticket_id, product_serial from tickets order by ticket_id`)).toEqual([
        { ticket_id: 'GD1', product_serial: 'BX-001' },
        { ticket_id: 'GD2', product_serial: 'BX-001' },
        { ticket_id: 'GD3', product_serial: null },
        { ticket_id: 'GD4', product_serial: '12345' },
      ]);
      await buildModels(db);
      expect(await rows(db, 'int_repeat_repairs', ['ticket_id', 'related_ticket_id', 'key_kind'])).toEqual([{ ticket_id: 'GD2', related_ticket_id: 'GD1', key_kind: 'serial' }]);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A completed ticket of a product, created and completed at the given times (no appointment: never judged for punctuality). */
function job(id: string, created: string, completed: string | null, overrides: Row = {}): Row {
  return { ticket_id: id, created_at: created, completed_at: completed, status: completed === null ? 'open' : 'completed', ...overrides };
}

const REPEAT = ['ticket_id', 'related_ticket_id', 'key_kind', 'month', 'technician_id', 'outlet_id', 'created_at'];

function withRepeatFines(): Config {
  const config = defaultConfig();
  config.penalty_rules = config.penalty_rules.map((r) => (r.rule_id === 'REPEAT_REPAIR' ? { ...r, enabled: true } : r));
  return config;
}

describe('repeat repairs', () => {
  it('links a completed repair to the latest job of the same serial completed before it was created, ties to the larger ticket_id', async () => {
    const db = await fixtureDb({
      tickets: [
        job('TIE-0', '2026-01-04 09:00:00', '2026-01-05 12:00:00', { product_serial: 'SN-TIE', technician_id: 'TC' }),
        job('TIE-1', '2026-01-09 09:00:00', '2026-01-10 12:00:00', { product_serial: 'SN-TIE', technician_id: 'TA', outlet_id: 'WA', service_type: 'install' }),
        job('TIE-2', '2026-01-08 09:00:00', '2026-01-10 12:00:00', { product_serial: 'SN-TIE', technician_id: 'TB', outlet_id: 'WB', service_type: 'maintenance' }),
        // both earlier jobs completed at 12:00 on 01-10: the larger id, TIE-2
        job('TIE-B', '2026-02-01 09:00:00', '2026-02-01 15:00:00', { product_serial: 'SN-TIE' }),
        // several earlier jobs: the latest (TIE-B) counts; completed in March, so counted in March
        job('TIE-C', '2026-02-10 09:00:00', '2026-03-02 10:00:00', { product_serial: 'SN-TIE' }),
        // created at the very moment the job before was completed: not after it
        job('AT-A', '2026-03-09 09:00:00', '2026-03-10 12:00:00', { product_serial: 'SN-AT' }),
        job('AT-B', '2026-03-10 12:00:00', '2026-03-10 16:00:00', { product_serial: 'SN-AT' }),
        // created before the other job was completed
        job('EARLY-A', '2026-03-09 09:00:00', '2026-03-12 12:00:00', { product_serial: 'SN-EARLY' }),
        job('EARLY-B', '2026-03-11 09:00:00', '2026-03-13 12:00:00', { product_serial: 'SN-EARLY' }),
        // an install followed by a repair: a repeat; an install after a repair: not one (only repairs repeat)
        job('INST-A', '2026-02-27 09:00:00', '2026-03-01 12:00:00', { product_serial: 'SN-INST', service_type: 'install' }),
        job('INST-B', '2026-03-05 09:00:00', '2026-03-06 12:00:00', { product_serial: 'SN-INST' }),
        job('INST-C', '2026-03-07 09:00:00', '2026-03-08 12:00:00', { product_serial: 'SN-INST', service_type: 'install' }),
        // a cancelled or an open ticket is neither a job before nor a repeat
        job('CANC-A', '2026-03-01 09:00:00', null, { product_serial: 'SN-CANC', status: 'cancelled' }),
        job('CANC-B', '2026-03-05 09:00:00', '2026-03-06 12:00:00', { product_serial: 'SN-CANC' }),
        job('CANC-C', '2026-03-08 09:00:00', null, { product_serial: 'SN-CANC' }),
      ],
    });
    expect(await rows(db, 'int_repeat_repairs', REPEAT, 'ticket_id')).toEqual([
      { ticket_id: 'INST-B', related_ticket_id: 'INST-A', key_kind: 'serial', month: '2026-03', technician_id: 'T1', outlet_id: 'W1', created_at: '2026-03-05 09:00:00' },
      { ticket_id: 'TIE-B', related_ticket_id: 'TIE-2', key_kind: 'serial', month: '2026-02', technician_id: 'TB', outlet_id: 'WB', created_at: '2026-02-01 09:00:00' },
      { ticket_id: 'TIE-C', related_ticket_id: 'TIE-B', key_kind: 'serial', month: '2026-03', technician_id: 'T1', outlet_id: 'W1', created_at: '2026-02-10 09:00:00' },
    ]);
    db.close();
  });

  it('never links a repair to itself, even one recorded as completed before it was created', async () => {
    const db = await fixtureDb({
      tickets: [
        job('BD-A', '2026-02-28 09:00:00', '2026-03-01 12:00:00', { product_serial: 'SN-BD', service_type: 'install' }),
        // completed (03-05) before created (03-10): itself among the jobs completed before it was created
        job('BD-B', '2026-03-10 09:00:00', '2026-03-05 10:00:00', { product_serial: 'SN-BD' }),
        // and the job before a later repair
        job('BD-C', '2026-03-12 09:00:00', '2026-03-13 10:00:00', { product_serial: 'SN-BD' }),
        job('BD-ALONE', '2026-03-10 09:00:00', '2026-03-05 10:00:00', { product_serial: 'SN-BD-ALONE' }),
      ],
    });
    expect(await rows(db, 'int_repeat_repairs', ['ticket_id', 'related_ticket_id'], 'ticket_id')).toEqual([
      { ticket_id: 'BD-B', related_ticket_id: 'BD-A' },
      { ticket_id: 'BD-C', related_ticket_id: 'BD-B' },
    ]);
    db.close();
  });

  it('counts a repair created up to 90 days after the job, the 90th day included', async () => {
    const db = await fixtureDb({
      tickets: [
        // 2026-01-01 10:00 + 90 days = 2026-04-01 10:00
        job('D90-A', '2025-12-30 09:00:00', '2026-01-01 10:00:00', { product_serial: 'SN-90' }),
        job('D90-B', '2026-04-01 10:00:00', '2026-04-02 10:00:00', { product_serial: 'SN-90' }),
        job('D91-A', '2025-12-30 09:00:00', '2026-01-01 10:00:00', { product_serial: 'SN-91' }),
        job('D91-B', '2026-04-01 10:00:01', '2026-04-02 10:00:00', { product_serial: 'SN-91' }),
      ],
    });
    expect(await rows(db, 'int_repeat_repairs', ['ticket_id', 'related_ticket_id', 'month'], 'ticket_id')).toEqual([
      { ticket_id: 'D90-B', related_ticket_id: 'D90-A', month: '2026-04' },
    ]);
    db.close();

    const shorter = defaultConfig();
    shorter.repeat_repair.window_days = 30;
    const db30 = await fixtureDb(
      {
        tickets: [
          job('W-A', '2026-01-01 09:00:00', '2026-01-01 10:00:00', { product_serial: 'SN-W' }),
          job('W-B', '2026-01-31 10:00:00', '2026-02-01 10:00:00', { product_serial: 'SN-W' }),
          job('W-C', '2026-03-03 10:00:01', '2026-03-04 10:00:00', { product_serial: 'SN-W' }),
        ],
      },
      shorter,
    );
    // W-C comes 30 days and 1 second after W-B
    expect(await rows(db30, 'int_repeat_repairs', ['ticket_id', 'related_ticket_id'], 'ticket_id')).toEqual([{ ticket_id: 'W-B', related_ticket_id: 'W-A' }]);
    db30.close();
  });

  it('keys by serial when there is one, else by the phone digits (any spelling, without 86) with the category; blank keys never repeat', async () => {
    const db = await fixtureDb({
      tickets: [
        job('PH-A', '2026-01-31 09:00:00', '2026-02-01 12:00:00', { service_type: 'install', customer_phone: '+86 138-0013-8000', product_category: '空调', technician_id: 'TH' }),
        // the same phone in other spellings, the same category: repeats
        job('PH-B', '2026-02-20 09:00:00', '2026-02-21 12:00:00', { customer_phone: '8613800138000', product_category: '空调' }),
        job('PH-C', '2026-02-22 09:00:00', '2026-02-23 12:00:00', { customer_phone: '(+86) 138 0013 8000', product_category: '空调' }),
        // the same phone, another category: another product
        job('PH-D', '2026-02-24 09:00:00', '2026-02-25 12:00:00', { customer_phone: '13800138000', product_category: '冰箱' }),
        // a serial decides, whatever the phone and category say
        job('PH-E', '2026-02-26 09:00:00', '2026-02-27 12:00:00', { product_serial: 'SN-PH', customer_phone: '13800138000', product_category: '空调' }),
        // no serial and no category, no phone, or a phone with no digit: no key
        job('PH-F', '2026-02-26 09:00:00', '2026-02-27 12:00:00', { customer_phone: '13800138000', product_category: null }),
        job('PH-G', '2026-02-26 09:00:00', '2026-02-27 12:00:00', { customer_phone: null, product_category: '空调' }),
        job('PH-H', '2026-02-26 09:00:00', '2026-02-27 12:00:00', { customer_phone: '无', product_category: '空调' }),
        job('PH-I', '2026-02-28 09:00:00', '2026-02-28 12:00:00', { customer_phone: '无', product_category: '空调' }),
        job('PH-J', '2026-02-28 09:00:00', '2026-02-28 12:00:00', { customer_phone: '13800138000', product_category: null }),
        // a serial is not a phone: the serial 13800138000 is another key than the phone 13800138000
        job('SN-NUM', '2026-02-28 09:00:00', '2026-02-28 13:00:00', { product_serial: '13800138000', product_category: '空调' }),
      ],
    });
    expect(await rows(db, 'int_repeat_repairs', ['ticket_id', 'related_ticket_id', 'key_kind', 'technician_id'], 'ticket_id')).toEqual([
      { ticket_id: 'PH-B', related_ticket_id: 'PH-A', key_kind: 'phone_category', technician_id: 'TH' },
      { ticket_id: 'PH-C', related_ticket_id: 'PH-B', key_kind: 'phone_category', technician_id: 'T1' },
    ]);
    expect(await db.value(`select [phone_digits('+86 138-0013-8000'), phone_digits('0532-8888 6666'), phone_digits('86'), phone_digits('—')]`)).toEqual([
      '13800138000', '053288886666', null, null,
    ]);
    db.close();
  });

  it("credits a repeat to the first job's technician and outlet in the repeat's completion month, with a row when they completed nothing that month", async () => {
    const fixture = {
      tickets: [
        job('A1', '2026-02-09 09:00:00', '2026-02-10 12:00:00', { product_serial: 'S1', technician_id: 'TA', outlet_id: 'WA', service_type: 'install' }),
        job('B1', '2026-03-05 09:00:00', '2026-03-06 12:00:00', { product_serial: 'S1', technician_id: 'TB', outlet_id: 'WB' }),
        job('A2', '2026-03-01 09:00:00', '2026-03-02 12:00:00', { product_serial: 'S2', technician_id: 'TA', outlet_id: 'WA' }),
        job('B2', '2026-03-10 09:00:00', '2026-04-01 12:00:00', { product_serial: 'S2', technician_id: 'TC', outlet_id: 'WC' }),
      ],
    };
    const db = await fixtureDb(fixture, withRepeatFines());
    const measures = ['tickets_completed', 'repeat_repairs', 'repeat_repair_rate'];
    expect(await rows(db, 'kpi_technician_month', ['month', 'technician_id', 'outlet_id', ...measures])).toEqual([
      { month: '2026-02', technician_id: 'TA', outlet_id: 'WA', tickets_completed: 1, repeat_repairs: 0, repeat_repair_rate: 0 },
      { month: '2026-03', technician_id: 'TA', outlet_id: 'WA', tickets_completed: 1, repeat_repairs: 1, repeat_repair_rate: 1 },
      { month: '2026-03', technician_id: 'TB', outlet_id: 'WB', tickets_completed: 1, repeat_repairs: 0, repeat_repair_rate: 0 },
      // B2 was completed in April: TA completed nothing then, and has a row with the repeat, no rate
      { month: '2026-04', technician_id: 'TA', outlet_id: null, tickets_completed: 0, repeat_repairs: 1, repeat_repair_rate: null },
      { month: '2026-04', technician_id: 'TC', outlet_id: 'WC', tickets_completed: 1, repeat_repairs: 0, repeat_repair_rate: 0 },
    ]);
    expect(await rows(db, 'kpi_outlet_month', ['month', 'outlet_id', ...measures])).toEqual([
      { month: '2026-02', outlet_id: 'WA', tickets_completed: 1, repeat_repairs: 0, repeat_repair_rate: 0 },
      { month: '2026-03', outlet_id: 'WA', tickets_completed: 1, repeat_repairs: 1, repeat_repair_rate: 1 },
      { month: '2026-03', outlet_id: 'WB', tickets_completed: 1, repeat_repairs: 0, repeat_repair_rate: 0 },
      { month: '2026-04', outlet_id: 'WA', tickets_completed: 0, repeat_repairs: 1, repeat_repair_rate: null },
      { month: '2026-04', outlet_id: 'WC', tickets_completed: 1, repeat_repairs: 0, repeat_repair_rate: 0 },
    ]);
    expect(await rows(db, 'kpi_network_month', ['month', ...measures], 'month')).toEqual([
      { month: '2026-02', tickets_completed: 1, repeat_repairs: 0, repeat_repair_rate: 0 },
      { month: '2026-03', tickets_completed: 2, repeat_repairs: 1, repeat_repair_rate: 0.5 },
      { month: '2026-04', tickets_completed: 1, repeat_repairs: 1, repeat_repair_rate: 1 },
    ]);
    // the line: the first job's technician and outlet, the repeat's month, ticket and creation time
    expect(await rows(db, 'penalty_lines', ['month', 'technician_id', 'outlet_id', 'rule_id', 'amount', 'occurred_at', 'ticket_id', 'related_ticket_id', 'revisit_id', 'dismissal', 'line_id'], 'month')).toEqual([
      { month: '2026-03', technician_id: 'TA', outlet_id: 'WA', rule_id: 'REPEAT_REPAIR', amount: 50, occurred_at: '2026-03-05 09:00:00', ticket_id: 'B1', related_ticket_id: 'A1', revisit_id: null, dismissal: false, line_id: 'REPEAT_REPAIR:B1' },
      { month: '2026-04', technician_id: 'TA', outlet_id: 'WA', rule_id: 'REPEAT_REPAIR', amount: 50, occurred_at: '2026-03-10 09:00:00', ticket_id: 'B2', related_ticket_id: 'A2', revisit_id: null, dismissal: false, line_id: 'REPEAT_REPAIR:B2' },
    ]);
    expect(await rows(db, 'penalty_totals', ['month', 'technician_id', 'violations', 'amount'])).toEqual([
      { month: '2026-03', technician_id: 'TA', violations: 1, amount: 50 },
      { month: '2026-04', technician_id: 'TA', violations: 1, amount: 50 },
    ]);
    expect(await checkInvariants(db)).toEqual([]);
    db.close();

    // off by default: the measures, no fine
    const unfined = await fixtureDb(fixture);
    expect(await unfined.value(`select sum(repeat_repairs) from kpi_network_month`)).toBe(2);
    expect(await rows(unfined, 'penalty_lines', ['rule_id'])).toEqual([]);
    unfined.close();
  });
});

/** A ticket completed 2026-03-02 13:00 with an unsatisfied verdict call at 2026-03-03 10:00 (V), and its later calls. */
function unsatisfied(technicianId: string, calls: Row[] = []): { ticket: Row; revisits: Row[] } {
  const id = `GD-${technicianId}`;
  return {
    ticket: ticket(id, { technician_id: technicianId }),
    revisits: [
      { revisit_id: `${id}-V`, ticket_id: id, revisit_at: '2026-03-03 10:00:00', result: 'unsatisfied' },
      ...calls.map((call, i) => ({ revisit_id: `${id}-${i + 1}`, ticket_id: id, ...call })),
    ],
  };
}

describe('follow-ups of unsatisfied customers', () => {
  it('counts a reached call within 7 days after the verdict call, and two within 30 days the first within the week, both ends included', async () => {
    const cases = [
      unsatisfied('WEEK_EDGE', [{ revisit_at: '2026-03-10 10:00:00' }]),
      unsatisfied('WEEK_PAST', [{ revisit_at: '2026-03-10 10:00:01' }]),
      unsatisfied('MONTH_EDGE', [{ revisit_at: '2026-03-04 10:00:00' }, { revisit_at: '2026-04-02 10:00:00' }]),
      unsatisfied('MONTH_PAST', [{ revisit_at: '2026-03-04 10:00:00' }, { revisit_at: '2026-04-02 10:00:01' }]),
      // two calls within the month, neither within the week
      unsatisfied('BOTH_LATE', [{ revisit_at: '2026-03-11 10:00:00' }, { revisit_at: '2026-03-12 10:00:00' }]),
      unsatisfied('UNREACHED', [{ revisit_at: '2026-03-04 10:00:00', reached: false }, { revisit_at: '2026-03-05 10:00:00', reached: false }]),
      // a call at the verdict call's own time is not after it
      unsatisfied('SAME_TIME', [{ revisit_at: '2026-03-03 10:00:00' }, { revisit_at: '2026-03-13 10:00:00' }]),
      // a rated follow-up counts like any other; a third call does no harm
      unsatisfied('THREE', [{ revisit_at: '2026-03-05 10:00:00', result: 'satisfied' }, { revisit_at: '2026-03-23 10:00:00' }, { revisit_at: '2026-04-12 10:00:00' }]),
      unsatisfied('NONE'),
    ];
    const db = await fixtureDb({
      tickets: [
        ...cases.map((c) => c.ticket),
        ticket('GD-SATISFIED', { technician_id: 'SATISFIED' }),
        ticket('GD-LATER', { technician_id: 'UNSATISFIED_LATER' }),
      ],
      revisits: [
        ...cases.flatMap((c) => c.revisits),
        // the verdict is the earliest rated call: an unsatisfied answer after a satisfied one is not one
        { revisit_id: 'HF-S1', ticket_id: 'GD-SATISFIED', revisit_at: '2026-03-03 10:00:00', result: 'satisfied' },
        { revisit_id: 'HF-S2', ticket_id: 'GD-SATISFIED', revisit_at: '2026-03-04 10:00:00' },
        // an unrated call before the verdict call is no follow-up
        { revisit_id: 'HF-L0', ticket_id: 'GD-LATER', revisit_at: '2026-03-02 15:00:00' },
        { revisit_id: 'HF-L1', ticket_id: 'GD-LATER', revisit_at: '2026-03-03 10:00:00', result: 'unsatisfied' },
      ],
    });
    const due = (technician_id: string, week: number, month: number) => ({
      technician_id, followup_due: 1, followup_week: week, followup_month: month, followup_week_rate: week, followup_month_rate: month,
    });
    expect(await rows(db, 'kpi_technician_month', ['technician_id', 'followup_due', 'followup_week', 'followup_month', 'followup_week_rate', 'followup_month_rate'], 'technician_id')).toEqual([
      due('BOTH_LATE', 0, 0),
      due('MONTH_EDGE', 1, 1),
      due('MONTH_PAST', 1, 0),
      due('NONE', 0, 0),
      due('SAME_TIME', 0, 0),
      { technician_id: 'SATISFIED', followup_due: 0, followup_week: 0, followup_month: 0, followup_week_rate: null, followup_month_rate: null },
      due('THREE', 1, 1),
      due('UNREACHED', 0, 0),
      due('UNSATISFIED_LATER', 0, 0),
      due('WEEK_EDGE', 1, 0),
      due('WEEK_PAST', 0, 0),
    ]);
    // 10 due, 4 called within the week, 2 twice within the month
    expect(await rows(db, 'kpi_network_month', ['month', 'unsatisfied', 'followup_due', 'followup_week', 'followup_month', 'followup_week_rate', 'followup_month_rate'])).toEqual([
      { month: '2026-03', unsatisfied: 10, followup_due: 10, followup_week: 4, followup_month: 2, followup_week_rate: 0.4, followup_month_rate: 0.2 },
    ]);
    expect(await rows(db, 'kpi_outlet_month', ['outlet_id', 'followup_due', 'followup_week', 'followup_month'])).toEqual([
      { outlet_id: 'W1', followup_due: 10, followup_week: 4, followup_month: 2 },
    ]);
    db.close();
  });

  it('takes the week and the month from the config', async () => {
    const config = defaultConfig();
    config.followup = { week_days: 2, month_days: 3 };
    const c = unsatisfied('SHORT', [{ revisit_at: '2026-03-05 10:00:00' }, { revisit_at: '2026-03-06 10:00:00' }]);
    const late = unsatisfied('SHORT_LATE', [{ revisit_at: '2026-03-05 10:00:00' }, { revisit_at: '2026-03-06 10:00:01' }]);
    const db = await fixtureDb({ tickets: [c.ticket, late.ticket], revisits: [...c.revisits, ...late.revisits] }, config);
    expect(await rows(db, 'kpi_technician_month', ['technician_id', 'followup_week', 'followup_month'], 'technician_id')).toEqual([
      { technician_id: 'SHORT', followup_week: 1, followup_month: 1 },
      { technician_id: 'SHORT_LATE', followup_week: 1, followup_month: 0 },
    ]);
    db.close();
  });
});

const SETTLEMENT_LINE = ['settlement_month', 'outlet_id', 'ticket_id', 'technician_id', 'service_type', 'completed_at', 'revisit_id', 'revisit_at', 'fee', 'line_id'];
const SETTLEMENT_TOTAL = ['month', 'outlet_id', 'tickets_settled', 'fees', 'outlet_fines', 'net', 'tickets_withheld', 'withheld_fees', 'payment_due::varchar as payment_due'];

describe('outlet settlement', () => {
  it('settles a ticket in the month of the later of completion and its first reached call after it, withholds it until then', async () => {
    const settled = (outletId: string, id: string, serviceType: string, completed: string): Row =>
      job(id, '2025-12-01 09:00:00', completed, { outlet_id: outletId, service_type: serviceType });
    const db = await fixtureDb({
      tickets: [
        settled('W3', 'S-DEC', 'install', '2025-12-31 23:00:00'),
        settled('W1', 'S-JAN', 'install', '2026-01-05 10:00:00'),
        settled('W1', 'S-FEB', 'repair', '2026-01-30 10:00:00'),
        settled('W1', 'S-APR', 'maintenance', '2026-01-10 10:00:00'),
        settled('W2', 'S-CONS', 'consultation', '2026-02-14 10:00:00'),
        settled('W2', 'S-TIE', 'repair', '2026-03-01 10:00:00'),
        settled('W3', 'S-NEVER', 'repair', '2026-02-20 10:00:00'),
        // charged 50 above the standard with a verified overcharge complaint: a fine of 500, and no revisit slip
        settled('W4', 'S-FINE', 'repair', '2026-03-15 10:00:00'),
        job('S-CANC', '2026-02-01 09:00:00', null, { outlet_id: 'W1', status: 'cancelled' }),
      ].map((t) => (t.ticket_id === 'S-FINE' ? { ...t, fee_charged: 150, fee_standard: 100 } : t)),
      revisits: [
        { revisit_id: 'HF-DEC', ticket_id: 'S-DEC', revisit_at: '2026-01-01 08:00:00' },
        { revisit_id: 'HF-JAN', ticket_id: 'S-JAN', revisit_at: '2026-01-06 10:00:00' },
        { revisit_id: 'HF-FEB', ticket_id: 'S-FEB', revisit_at: '2026-02-02 10:00:00' },
        // not reached, or before completion: no slip; the slip comes in April
        { revisit_id: 'HF-APR-0', ticket_id: 'S-APR', revisit_at: '2026-01-11 10:00:00', reached: false },
        { revisit_id: 'HF-APR-1', ticket_id: 'S-APR', revisit_at: '2026-01-09 10:00:00' },
        { revisit_id: 'HF-APR', ticket_id: 'S-APR', revisit_at: '2026-04-03 10:00:00', result: 'satisfied' },
        { revisit_id: 'HF-CONS', ticket_id: 'S-CONS', revisit_at: '2026-02-14 12:00:00' },
        // two slips at the same time: the smaller id
        { revisit_id: 'HF-TIE-B', ticket_id: 'S-TIE', revisit_at: '2026-03-02 09:00:00' },
        { revisit_id: 'HF-TIE-A', ticket_id: 'S-TIE', revisit_at: '2026-03-02 09:00:00' },
        { revisit_id: 'HF-CANC', ticket_id: 'S-CANC', revisit_at: '2026-02-03 10:00:00' },
      ],
      complaints: [{ complaint_id: 'TS-FINE', ticket_id: 'S-FINE', received_at: '2026-03-20 10:00:00', category: 'overcharge' }],
    });
    const line = (month: string, outletId: string, id: string, serviceType: string, completed: string, revisitId: string, revisitAt: string, fee: number): Row => ({
      settlement_month: month, outlet_id: outletId, ticket_id: id, technician_id: 'T1', service_type: serviceType, completed_at: completed,
      revisit_id: revisitId, revisit_at: revisitAt, fee, line_id: `SETTLE:${id}`,
    });
    expect(await rows(db, 'settlement_lines', SETTLEMENT_LINE, 'ticket_id')).toEqual([
      line('2026-04', 'W1', 'S-APR', 'maintenance', '2026-01-10 10:00:00', 'HF-APR', '2026-04-03 10:00:00', 40),
      line('2026-02', 'W2', 'S-CONS', 'consultation', '2026-02-14 10:00:00', 'HF-CONS', '2026-02-14 12:00:00', 0),
      line('2026-01', 'W3', 'S-DEC', 'install', '2025-12-31 23:00:00', 'HF-DEC', '2026-01-01 08:00:00', 80),
      line('2026-02', 'W1', 'S-FEB', 'repair', '2026-01-30 10:00:00', 'HF-FEB', '2026-02-02 10:00:00', 60),
      line('2026-01', 'W1', 'S-JAN', 'install', '2026-01-05 10:00:00', 'HF-JAN', '2026-01-06 10:00:00', 80),
      line('2026-03', 'W2', 'S-TIE', 'repair', '2026-03-01 10:00:00', 'HF-TIE-A', '2026-03-02 09:00:00', 60),
    ]);
    // months from 2025-12 (S-DEC completed) to 2026-04 (S-APR settled); payment: the next month's first day + 60 days
    const total = (month: string, outletId: string, settledCount: number, fees: number, fines: number, withheld: number, withheldFees: number, due: string): Row => ({
      month, outlet_id: outletId, tickets_settled: settledCount, fees, outlet_fines: fines, net: fees - fines,
      tickets_withheld: withheld, withheld_fees: withheldFees, payment_due: due,
    });
    expect(await rows(db, 'settlement_totals', SETTLEMENT_TOTAL, 'outlet_id, month')).toEqual([
      total('2026-01', 'W1', 1, 80, 0, 2, 100, '2026-04-02'),
      total('2026-02', 'W1', 1, 60, 0, 1, 40, '2026-04-30'),
      total('2026-03', 'W1', 0, 0, 0, 1, 40, '2026-05-31'),
      total('2026-04', 'W1', 1, 40, 0, 0, 0, '2026-06-30'),
      total('2026-02', 'W2', 1, 0, 0, 0, 0, '2026-04-30'),
      total('2026-03', 'W2', 1, 60, 0, 0, 0, '2026-05-31'),
      total('2025-12', 'W3', 0, 0, 0, 1, 80, '2026-03-02'),
      total('2026-01', 'W3', 1, 80, 0, 0, 0, '2026-04-02'),
      total('2026-02', 'W3', 0, 0, 0, 1, 60, '2026-04-30'),
      total('2026-03', 'W3', 0, 0, 0, 1, 60, '2026-05-31'),
      total('2026-04', 'W3', 0, 0, 0, 1, 60, '2026-06-30'),
      // fines and no settled ticket: a negative net
      total('2026-03', 'W4', 0, 0, 500, 1, 60, '2026-05-31'),
      total('2026-04', 'W4', 0, 0, 0, 1, 60, '2026-06-30'),
    ]);
    expect(await checkInvariants(db)).toEqual([]);
    // totals that do not add up are caught
    await db.run(`update settlement_totals set tickets_withheld = tickets_withheld + 1 where outlet_id = 'W2' and month = '2026-03'`);
    await db.run(`update settlement_totals set net = 0 where outlet_id = 'W4' and month = '2026-03'`);
    expect((await checkInvariants(db)).sort()).toEqual([
      'settlement_totals do not add up to settlement_lines and outlet_penalty_lines for W4 in 2026-03',
      'settlement_totals: settled + withheld <> completed for W2 up to 2026-03',
    ]);
    db.close();
  });

  it('takes the fees and the payment days from the config', async () => {
    const config = defaultConfig();
    config.settlement = { fees_by_service_type: { install: 100, repair: 75.5, maintenance: 0, consultation: 10 }, payment_days: 30 };
    const db = await fixtureDb(
      {
        tickets: [job('C1', '2026-12-01 09:00:00', '2026-12-02 10:00:00'), job('C2', '2026-12-01 09:00:00', '2026-12-02 10:00:00', { service_type: 'consultation' })],
        revisits: [
          { revisit_id: 'HF1', ticket_id: 'C1', revisit_at: '2026-12-03 10:00:00' },
          { revisit_id: 'HF2', ticket_id: 'C2', revisit_at: '2026-12-03 10:00:00' },
        ],
      },
      config,
    );
    // 2027-01-01 + 30 days
    expect(await rows(db, 'settlement_totals', SETTLEMENT_TOTAL)).toEqual([
      { month: '2026-12', outlet_id: 'W1', tickets_settled: 2, fees: 85.5, outlet_fines: 0, net: 85.5, tickets_withheld: 0, withheld_fees: 0, payment_due: '2027-01-31' },
    ]);
    db.close();
  });
});

describe('settlement lines in an incremental build', () => {
  it('rewrites for the publish the month a changed line is settled in, though only its completion month was marked and no total moved', async () => {
    const db = await fixtureDb({
      tickets: [
        job('L-NOV', '2025-11-01 09:00:00', '2025-11-02 10:00:00', { service_type: 'repair' }),
        job('L-FEB', '2026-02-01 09:00:00', '2026-02-02 10:00:00', { service_type: 'repair' }),
      ],
      revisits: [
        // the November ticket's slip arrives in February: settled there, beyond the month after and the year
        { revisit_id: 'HL-NOV', ticket_id: 'L-NOV', revisit_at: '2026-02-10 10:00:00' },
        { revisit_id: 'HL-FEB', ticket_id: 'L-FEB', revisit_at: '2026-02-03 10:00:00' },
      ],
    });
    try {
      const totalsBefore = await db.all(`select * from settlement_totals order by all`);
      // as the loader leaves a replaced ticket: its months marked, November
      await db.run(`update tickets set technician_id = 'T2' where ticket_id = 'L-NOV'`);
      await db.run(`insert into stale_months values ('2025-11')`);
      const result = await buildModels(db);
      expect(result).toEqual({ full: false, months: ['2025-11', '2025-12', '2026-02'] });
      expect(await db.all(`select * from settlement_totals order by all`)).toEqual(totalsBefore);
      expect(await rows(db, 'settlement_lines', ['settlement_month', 'ticket_id', 'technician_id'], 'ticket_id')).toEqual([
        { settlement_month: '2026-02', ticket_id: 'L-FEB', technician_id: 'T1' },
        { settlement_month: '2026-02', ticket_id: 'L-NOV', technician_id: 'T2' },
      ]);
      expect(await checkInvariants(db)).toEqual([]);
    } finally {
      db.close();
    }
  });
});

describe('settlement_lines and penalty_lines as stored', () => {
  it('are views a plain connection reads (no macros, no session variables), and a database holding them as tables is rebuilt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sq-view-'));
    const file = join(dir, 'db.duckdb');
    try {
      const db = await Db.open(file);
      await ensureSchema(db);
      await applyConfig(db, defaultConfig());
      await db.run(`insert into tickets (ticket_id, outlet_id, technician_id, service_type, created_at, completed_at, status, batch_id)
        values ('V1', 'W1', 'T1', 'install', '2026-03-01 09:00:00', '2026-03-02 10:00:00', 'completed', 0)`);
      await db.run(`insert into revisits (revisit_id, ticket_id, revisit_at, reached, batch_id) values ('HV1', 'V1', '2026-04-01 08:00:00', true, 0)`);
      await db.run(`insert into violations (violation_id, technician_id, occurred_at, rule_id, batch_id) values ('WG1', 'T1', '2026-03-05 10:00:00', 'IMAGE', 0)`);
      await buildModels(db);
      // as an older build left them: tables, and a build of other SQL (the fingerprint differs)
      await db.run(`drop view settlement_lines; create table settlement_lines as select * from int_settlement_lines`);
      await db.run(`drop view penalty_lines; create table penalty_lines as select * from int_appealed_lines; update ${BUILD_STATE_TABLE} set fingerprint = 'older'`);
      await buildModels(db);
      expect(await db.all(`select table_name, table_type from information_schema.tables where table_name in ('settlement_lines', 'penalty_lines') order by table_name`)).toEqual([
        { table_name: 'penalty_lines', table_type: 'VIEW' },
        { table_name: 'settlement_lines', table_type: 'VIEW' },
      ]);
      db.close();
      // read as another program would: without the product's macros or variables
      const plain = await DuckDBInstance.create(file);
      const connection = await plain.connect();
      expect((await connection.runAndReadAll(`select settlement_month, ticket_id, revisit_id, fee::double as fee, line_id from settlement_lines`)).getRowObjectsJson()).toEqual([
        { settlement_month: '2026-04', ticket_id: 'V1', revisit_id: 'HV1', fee: 80, line_id: 'SETTLE:V1' },
      ]);
      expect((await connection.runAndReadAll(`select month, technician_id, rule_id, line_id from penalty_lines`)).getRowObjectsJson()).toEqual([
        { month: '2026-03', technician_id: 'T1', rule_id: 'IMAGE', line_id: 'IMAGE:WG1' },
      ]);
      connection.closeSync();
      plain.closeSync();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('line identity', () => {
  it('names every line by its facts: RULE_ID:ticket_id, RULE_ID:violation_id, TOP_COMPLAINT_RATE:technician_id:month, OUTLET_OVERCHARGE:ticket_id', async () => {
    const config = defaultConfig();
    config.ranking.technician_min_tickets = 1;
    const db = await fixtureDb(
      {
        tickets: [ticket('GD1', { arrived_at: '2026-03-02 12:30:00', fee_charged: 150, fee_standard: 100 })],
        revisits: [{ revisit_id: 'HF1', ticket_id: 'GD1', revisit_at: '2026-03-03 10:00:00', shoe_covers: false }],
        complaints: [{ complaint_id: 'TS1', ticket_id: 'GD1', received_at: '2026-03-04 10:00:00', category: 'overcharge' }],
        violations: [{ violation_id: 'V1', technician_id: 'T1', occurred_at: '2026-03-05 10:00:00', rule_id: 'SMOKING', amount: 200 }],
      },
      config,
    );
    expect(await rows(db, 'penalty_lines', ['rule_id', 'line_id', 'related_ticket_id'], 'line_id')).toEqual([
      { rule_id: 'LATE_NO_NOTICE', line_id: 'LATE_NO_NOTICE:GD1', related_ticket_id: null },
      { rule_id: 'NO_SHOE_COVERS', line_id: 'NO_SHOE_COVERS:GD1', related_ticket_id: null },
      { rule_id: 'OVERCHARGE', line_id: 'OVERCHARGE:GD1', related_ticket_id: null },
      { rule_id: 'SMOKING', line_id: 'SMOKING:V1', related_ticket_id: null },
      { rule_id: 'TOP_COMPLAINT_RATE', line_id: 'TOP_COMPLAINT_RATE:T1:2026-03', related_ticket_id: null },
    ]);
    expect(await rows(db, 'outlet_penalty_lines', ['ticket_id', 'line_id'])).toEqual([{ ticket_id: 'GD1', line_id: 'OUTLET_OVERCHARGE:GD1' }]);
    expect(await rows(db, 'settlement_lines', ['ticket_id', 'line_id'])).toEqual([{ ticket_id: 'GD1', line_id: 'SETTLE:GD1' }]);
    db.close();
  });
});

describe('the invariants of the settlement lines', () => {
  it('catch a ticket settled twice: a second outcome row of it, or its frozen line twice in a closed month', async () => {
    const db = await fixtureDb({
      tickets: [job('I1', '2026-03-01 09:00:00', '2026-03-02 10:00:00', { service_type: 'install' })],
      revisits: [{ revisit_id: 'HI1', ticket_id: 'I1', revisit_at: '2026-03-03 10:00:00' }],
    });
    try {
      expect(await checkInvariants(db)).toEqual([]);
      // the open month: int_settlement_lines is a view of the outcomes, one line per outcome row
      await db.run(`create temp table outcomes_before as select * from int_ticket_outcomes`);
      await db.run(`insert into int_ticket_outcomes select * from outcomes_before`);
      expect((await checkInvariants(db)).sort()).toEqual([
        'int_ticket_outcomes: 2026-03 has 2 completed tickets, kpi_network_month 1',
        'settlement_lines: ticket_id or line_id not unique within a settlement month',
        'settlement_totals do not add up to settlement_lines and outlet_penalty_lines for W1 in 2026-03',
        'settlement_totals: settled + withheld <> completed for W1 up to 2026-03',
      ]);
      await db.run(`delete from int_ticket_outcomes; insert into int_ticket_outcomes select * from outcomes_before`);
      expect(await checkInvariants(db)).toEqual([]);
      // the closed month: its lines are the frozen ones
      await freezeMonth(db, '2026-03', 'test', '2026-04-01 09:00:00');
      expect(await checkInvariants(db)).toEqual([]);
      await db.run(`insert into frozen_settlement_lines select * from frozen_settlement_lines`);
      expect((await checkInvariants(db)).sort()).toEqual([
        'closed month 2026-03: frozen settlement_lines 160.00 + adjustments 0.00 <> 80.00 now',
        'settlement_lines: ticket_id or line_id not unique within a settlement month',
        'settlement_totals do not add up to settlement_lines and outlet_penalty_lines for W1 in 2026-03',
      ]);
    } finally {
      db.close();
    }
  });
});
