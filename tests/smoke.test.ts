import { describe, expect, it } from 'vitest';
import { fixtureDb, rows, ticket } from './helpers.ts';

describe('harness', () => {
  it('builds the models over fixture rows', async () => {
    const db = await fixtureDb({
      tickets: [ticket('GD1'), ticket('GD2', { arrived_at: '2026-03-02 12:30:00' })],
      revisits: [{ revisit_id: 'HF1', ticket_id: 'GD1', revisit_at: '2026-03-03 10:00:00', result: 'satisfied' }],
    });
    expect(await rows(db, 'kpi_network_month', ['month', 'tickets_completed', 'revisit_covered', 'rated', 'satisfied', 'on_time_judged', 'on_time'])).toEqual([
      { month: '2026-03', tickets_completed: 2, revisit_covered: 1, rated: 1, satisfied: 1, on_time_judged: 2, on_time: 1 },
    ]);
    db.close();
  });
});
