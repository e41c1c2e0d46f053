// The tickets withheld from the outlets' settlement, once per run of months in one state
// (queries/intermediate/int_settlement_withheld.sql, the runs as the tickets' records end them;
// queries/publish/settlement_withheld.sql, the open ones ended at the last month), on a hand-worked fixture: a state changes only in a
// month with a call (not reached, or only before the completion), a call before the completion
// month counts from the completion month, a call after the last month begins no run, two calls at
// the same time name the larger id; and the runs, expanded over the months, are exactly the lists
// month by month that the publish step made before (tests/fixtures/settlement-withheld-by-month.sql).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlFile, type Db } from '../pipeline/common/db.ts';
import { fixtureDb, ticket } from './helpers.ts';

/**
 * W1, months 2026-01 to 2026-05 (A2 is settled in May, A6 completed then):
 *   A1  completed 01-10, never called: withheld 01 to 05, no call
 *   A2  completed 01-15, calls not reached 02-03 and twice 02-20 10:00 (R22, R22A), 04-01; reached
 *       05-02 (settled in May): 01 no call; 02–03 three calls, last R22A; 04 four calls
 *   A3  completed 02-10 14:00, reached 02-10 09:00 (before it); not reached 03-05: 02 only before
 *       the completion; 03–05 not reached, two calls
 *   A4  completed 03-31 20:00, reached 01-20 and not reached 03-15 (both before it), reached 04-01
 *       (settled in April): 03 only before the completion, two calls
 *   A5  completed 02-01, reached 02-02: settled in its month, never withheld
 *   A6  completed 05-10 (a maintenance), not reached 05-11 and 07-01 (after the last month): 05 one call
 *   A8  completed 01-20, not reached 03-05 (its one month with a call): 01–02 no call; 03–05 one call
 *   A9  completed 02-05, not reached 02-10 (in its completion month): 02–05 one call
 *   A10 completed 03-10, reached 02-25 (before it, counted from 03): 03–05 only before the completion
 *       (A8–A10 call in one month only, which the model words out without its window)
 * W2:
 *   A7  completed 04-05, never called: withheld 04 to 05
 */
async function fixture(): Promise<Db> {
  const completed = (at: string) => ({ completed_at: at, appointment_start: null, appointment_end: null, arrived_at: null });
  return fixtureDb({
    tickets: [
      ticket('A1', completed('2026-01-10 13:00:00')),
      ticket('A2', completed('2026-01-15 13:00:00')),
      ticket('A3', completed('2026-02-10 14:00:00')),
      ticket('A4', completed('2026-03-31 20:00:00')),
      ticket('A5', completed('2026-02-01 13:00:00')),
      ticket('A6', { ...completed('2026-05-10 13:00:00'), service_type: 'maintenance' }),
      ticket('A7', { ...completed('2026-04-05 13:00:00'), outlet_id: 'W2', technician_id: 'T2' }),
      ticket('A8', completed('2026-01-20 13:00:00')),
      ticket('A9', completed('2026-02-05 13:00:00')),
      ticket('A10', completed('2026-03-10 13:00:00')),
    ],
    revisits: [
      { revisit_id: 'R21', ticket_id: 'A2', revisit_at: '2026-02-03 10:00:00', reached: false },
      { revisit_id: 'R22', ticket_id: 'A2', revisit_at: '2026-02-20 10:00:00', reached: false },
      { revisit_id: 'R22A', ticket_id: 'A2', revisit_at: '2026-02-20 10:00:00', reached: false },
      { revisit_id: 'R23', ticket_id: 'A2', revisit_at: '2026-04-01 10:00:00', reached: false },
      { revisit_id: 'R24', ticket_id: 'A2', revisit_at: '2026-05-02 10:00:00' },
      { revisit_id: 'R31', ticket_id: 'A3', revisit_at: '2026-02-10 09:00:00' },
      { revisit_id: 'R32', ticket_id: 'A3', revisit_at: '2026-03-05 10:00:00', reached: false },
      { revisit_id: 'R40', ticket_id: 'A4', revisit_at: '2026-01-20 10:00:00' },
      { revisit_id: 'R41', ticket_id: 'A4', revisit_at: '2026-03-15 10:00:00', reached: false },
      { revisit_id: 'R42', ticket_id: 'A4', revisit_at: '2026-04-01 10:00:00' },
      { revisit_id: 'R51', ticket_id: 'A5', revisit_at: '2026-02-02 10:00:00' },
      { revisit_id: 'R61', ticket_id: 'A6', revisit_at: '2026-05-11 10:00:00', reached: false },
      { revisit_id: 'R62', ticket_id: 'A6', revisit_at: '2026-07-01 10:00:00', reached: false },
      { revisit_id: 'R81', ticket_id: 'A8', revisit_at: '2026-03-05 10:00:00', reached: false },
      { revisit_id: 'R91', ticket_id: 'A9', revisit_at: '2026-02-10 10:00:00', reached: false },
      { revisit_id: 'R101', ticket_id: 'A10', revisit_at: '2026-02-25 10:00:00' },
    ],
    technicians: [
      { technician_id: 'T1', name: '王师傅', outlet_id: 'W1', status: 'active' },
      { technician_id: 'T2', name: '李师傅', outlet_id: 'W2', status: 'active' },
    ],
  });
}

let db: Db;

beforeAll(async () => {
  db = await fixture();
  await db.run(`create or replace temp table pub_settlement_withheld as ${sqlFile('publish/settlement_withheld.sql')}`);
}, 60_000);

afterAll(() => db.close());

/** Timestamps as text, money as numbers: the rows as a test states them. */
const plain = (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v !== null && typeof v === 'object' ? String(v) : v])));

describe('the tickets withheld, once per run of months in one state', () => {
  it('are the runs worked out by hand', async () => {
    const runs = await db.all(`select outlet_id, ticket_id, withheld_from, withheld_to, withheld_reason, calls, last_call_id, strftime(last_call_at, '%Y-%m-%d %H:%M') as last_call_at, fee::double as fee
      from pub_settlement_withheld order by outlet_id, completed_at, ticket_id, withheld_from`);
    const run = (ticket_id: string, from: string, to: string, reason: string, calls: number, last: string | null, at: string | null, fee = 60, outlet_id = 'W1') => ({
      outlet_id, ticket_id, withheld_from: from, withheld_to: to, withheld_reason: reason, calls, last_call_id: last, last_call_at: at, fee,
    });
    expect(plain(runs)).toEqual([
      run('A1', '2026-01', '2026-05', 'no_revisit', 0, null, null),
      run('A2', '2026-01', '2026-01', 'no_revisit', 0, null, null),
      run('A2', '2026-02', '2026-03', 'not_reached', 3, 'R22A', '2026-02-20 10:00'),
      run('A2', '2026-04', '2026-04', 'not_reached', 4, 'R23', '2026-04-01 10:00'),
      run('A8', '2026-01', '2026-02', 'no_revisit', 0, null, null),
      run('A8', '2026-03', '2026-05', 'not_reached', 1, 'R81', '2026-03-05 10:00'),
      run('A9', '2026-02', '2026-05', 'not_reached', 1, 'R91', '2026-02-10 10:00'),
      run('A3', '2026-02', '2026-02', 'revisit_before_completion', 1, 'R31', '2026-02-10 09:00'),
      run('A3', '2026-03', '2026-05', 'not_reached', 2, 'R32', '2026-03-05 10:00'),
      run('A10', '2026-03', '2026-05', 'revisit_before_completion', 1, 'R101', '2026-02-25 10:00'),
      run('A4', '2026-03', '2026-03', 'revisit_before_completion', 2, 'R41', '2026-03-15 10:00'),
      run('A6', '2026-05', '2026-05', 'not_reached', 1, 'R61', '2026-05-11 10:00', 40),
      run('A7', '2026-04', '2026-05', 'no_revisit', 0, null, null, 60, 'W2'),
    ]);
    const ticket = await db.all(`select technician_id, technician_name, service_type, strftime(completed_at, '%Y-%m-%d %H:%M:%S') as completed_at from pub_settlement_withheld where ticket_id = 'A7'`);
    expect(ticket).toEqual([{ technician_id: 'T2', technician_name: '李师傅', service_type: 'repair', completed_at: '2026-04-05 13:00:00' }]);
  });

  it('are stored with the end their own records give, the open runs without one (the publish ends them at the last month)', async () => {
    // A6's call of 07-01 starts a run after the last month (2026-05): stored, never published
    const stored = await db.all(`select ticket_id, month, withheld_from, withheld_until, withheld_reason, calls from int_settlement_withheld order by ticket_id, withheld_from`);
    const row = (ticket_id: string, month: string, from: string, until: string | null, reason: string, calls: number) => ({
      ticket_id, month, withheld_from: from, withheld_until: until, withheld_reason: reason, calls,
    });
    expect(plain(stored)).toEqual([
      row('A1', '2026-01', '2026-01', null, 'no_revisit', 0),
      row('A10', '2026-03', '2026-03', null, 'revisit_before_completion', 1),
      row('A2', '2026-01', '2026-01', '2026-01', 'no_revisit', 0),
      row('A2', '2026-01', '2026-02', '2026-03', 'not_reached', 3),
      row('A2', '2026-01', '2026-04', '2026-04', 'not_reached', 4),
      row('A3', '2026-02', '2026-02', '2026-02', 'revisit_before_completion', 1),
      row('A3', '2026-02', '2026-03', null, 'not_reached', 2),
      row('A4', '2026-03', '2026-03', '2026-03', 'revisit_before_completion', 2),
      row('A6', '2026-05', '2026-05', '2026-06', 'not_reached', 1),
      row('A6', '2026-05', '2026-07', null, 'not_reached', 2),
      row('A7', '2026-04', '2026-04', null, 'no_revisit', 0),
      row('A8', '2026-01', '2026-01', '2026-02', 'no_revisit', 0),
      row('A8', '2026-01', '2026-03', null, 'not_reached', 1),
      row('A9', '2026-02', '2026-02', null, 'not_reached', 1),
    ]);
  });

  it('expanded over the months, are the month-by-month lists, row for row', async () => {
    const byMonth = `select * from (${readFileSync(join(import.meta.dirname, 'fixtures', 'settlement-withheld-by-month.sql'), 'utf8')}) order by all`;
    const expanded = `
      select months.month as settlement_month, runs.* exclude (withheld_from, withheld_to)
      from pub_settlement_withheld as runs
      join (select distinct month from settlement_totals) as months
        on months.month between runs.withheld_from and runs.withheld_to
      order by all`;
    const reference = plain(await db.all(byMonth));
    expect(reference.length).toBe(5 + 4 + 4 + 1 + 1 + 2 + 5 + 4 + 3);
    expect(plain(await db.all(expanded))).toEqual(reference);
    expect(reference.filter((r) => r.settlement_month === '2026-03').map((r) => [r.ticket_id, r.withheld_reason, r.calls])).toEqual([
      ['A1', 'no_revisit', 0],
      ['A10', 'revisit_before_completion', 1],
      ['A2', 'not_reached', 3],
      ['A3', 'not_reached', 2],
      ['A4', 'revisit_before_completion', 2],
      ['A8', 'not_reached', 1],
      ['A9', 'not_reached', 1],
    ]);
  });
});
