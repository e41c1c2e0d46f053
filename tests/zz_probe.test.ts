import { it } from 'vitest';
import { fixtureDb, rows, tickets, ticket } from './helpers.ts';
it('probe', async () => {
  const t0 = performance.now();
  const db = await fixtureDb({ tickets: [...tickets('T1', 60, { fee_charged: 120, fee_standard: 100 })], violations: [{ violation_id: 'V1', technician_id: 'T1', occurred_at: '2026-03-05 10:00:00', rule_id: 'X', amount: 12.5 }] });
  console.log('ms', performance.now() - t0);
  console.log(await rows(db, 'penalty_lines', ['rule_id', 'amount', 'occurred_at', 'dismissal'], 'rule_id limit 3'));
  console.log(await rows(db, 'outlet_penalty_lines', ['month', 'overcharge', 'amount'], 'month limit 2'));
  console.log(await rows(db, 'kpi_outlet_month', ['month', 'outlet_id', 'tier', 'composite', 'outlet_rank', 'rank_change']));
  db.close();
});
