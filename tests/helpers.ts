// Test harness in the style of dbt unit tests: tiny input rows straight into the stored tables of an
// in-memory DuckDB, the real SQL files built on top, and the output rows compared in full.
import { defaultConfig, type Config } from '../pipeline/common/config.ts';
import { Db, type Row } from '../pipeline/common/db.ts';
import { ensureSchema } from '../pipeline/load/index.ts';
import { applyConfig, buildModels } from '../pipeline/build/index.ts';

export interface Fixture {
  tickets?: Row[];
  revisits?: Row[];
  complaints?: Row[];
  violations?: Row[];
  technicians?: Row[];
  outlets?: Row[];
}

/** Defaults that make a row valid, so each test states only what it is about. */
const DEFAULTS: Record<keyof Fixture, Row> = {
  tickets: { outlet_id: 'W1', technician_id: 'T1', service_type: 'repair', created_at: '2026-03-01 09:00:00', status: 'completed' },
  revisits: { reached: true },
  complaints: { category: 'service_attitude', responsible: 'technician', verified: true },
  violations: {},
  technicians: {},
  outlets: {},
};

export async function fixtureDb(fixture: Fixture, config: Config = defaultConfig()): Promise<Db> {
  const db = await Db.open(':memory:');
  await ensureSchema(db);
  await applyConfig(db, config);
  for (const [table, rows] of Object.entries(fixture) as [keyof Fixture, Row[]][]) {
    for (const row of rows) {
      const full: Row = { ...DEFAULTS[table], ...row, batch_id: 0 };
      const columns = Object.keys(full);
      const values = columns.map((c) => full[c] ?? null);
      await db.connection.run(
        `insert into ${table} (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        values as never,
      );
    }
  }
  await buildModels(db);
  return db;
}

/** Rows of a table or query, ordered, with only the named columns. */
export async function rows(db: Db, table: string, columns: string[], orderBy = columns.slice(0, 2).join(', ')): Promise<Row[]> {
  return db.all(`select ${columns.join(', ')} from ${table} order by ${orderBy}`);
}

/** A completed ticket with a two-hour appointment, arrival inside it and completion at 13:00 on 2026-03-02. */
export function ticket(id: string, overrides: Row = {}): Row {
  return {
    ticket_id: id,
    appointment_start: '2026-03-02 10:00:00',
    appointment_end: '2026-03-02 12:00:00',
    arrived_at: '2026-03-02 11:00:00',
    completed_at: '2026-03-02 13:00:00',
    ...overrides,
  };
}

/** n completed tickets for a technician in March 2026, ids prefixed by the technician id. */
export function tickets(technicianId: string, n: number, overrides: Row = {}): Row[] {
  return Array.from({ length: n }, (_, i) => ticket(`${technicianId}-${String(i + 1).padStart(3, '0')}`, { technician_id: technicianId, ...overrides }));
}
