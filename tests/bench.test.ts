// The benchmark's own checks: the comparison of the contract tables (on tiny hand-made databases)
// and the port of the reference generator (pinned to the bytes the Python original writes).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TablesDifferError, assertSameTables, compareTables } from '../bench/compare-tables.ts';
import { writeScaleExports } from '../bench/scale-exports.ts';
import { Db } from '../pipeline/common/db.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sq-bench-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const TABLES = { kpi_technician_month: ['month', 'technician_id'] };

/** a database with one kpi_technician_month; the pipeline's has a part-two column more */
async function database(name: string, rows: string, extraColumn: boolean): Promise<string> {
  const path = join(dir, `${name}.duckdb`);
  const db = await Db.open(path);
  const extra = extraColumn ? ', repeat_repairs bigint' : '';
  await db.run(`create table kpi_technician_month (month varchar, technician_id varchar, tickets_completed bigint, complaint_rate double${extra})`);
  await db.run(`insert into kpi_technician_month values ${rows}`);
  db.close();
  return path;
}

describe('bench: comparing the contract tables', () => {
  it('finds tables equal on the script columns, doubles within 1e-9', async () => {
    const pipeline = await database('pipeline', "('2026-03', 'E1', 40, 0.1 + 1e-15, 7), ('2026-03', 'E2', 25, null, 0)", true);
    const script = await database('script', "('2026-03', 'E2', 25, null), ('2026-03', 'E1', 40, 0.1)", false);
    expect(await compareTables(pipeline, script, TABLES)).toEqual([]);
    await expect(assertSameTables(pipeline, script, TABLES)).resolves.toBeUndefined();
  });

  it('names the table, the counts and the key of a differing row', async () => {
    const pipeline = await database('pipeline', "('2026-03', 'E1', 40, 0.1, 7), ('2026-03', 'E2', 26, 0.0, 0)", true);
    const script = await database('script', "('2026-03', 'E1', 40, 0.1), ('2026-03', 'E2', 25, 0.0)", false);
    const differences = await compareTables(pipeline, script, TABLES);
    expect(differences).toMatchObject([{ table: 'kpi_technician_month', onlyPipeline: 1, onlyScript: 1 }]);
    const failure = await assertSameTables(pipeline, script, TABLES).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TablesDifferError);
    const message = (failure as Error).message;
    expect(message).toContain('kpi_technician_month: 1 rows only in the pipeline');
    expect(message).toContain("only in the pipeline's: (month=2026-03, technician_id=E2)");
    expect(message).toContain("only in the script's: (month=2026-03, technician_id=E2)");
  });

  it('tells a rate that differs by more than the tolerance, and a missing table', async () => {
    const pipeline = await database('pipeline', "('2026-03', 'E1', 40, 0.1000001, 7)", true);
    const script = await database('script', "('2026-03', 'E1', 40, 0.1)", false);
    expect(await compareTables(pipeline, script, TABLES)).toMatchObject([{ onlyPipeline: 1, onlyScript: 1 }]);
    const missing = await compareTables(pipeline, script, { ...TABLES, penalty_totals: ['month'] });
    expect(missing.at(-1)).toMatchObject({ table: 'penalty_totals', problem: "missing from the script's database" });
  });
});

describe('bench: the exports of the reference generator', () => {
  it('writes the bytes the Python original writes for 2,000 tickets, seed 7', () => {
    writeScaleExports(dir, 2000, 7);
    const sha256 = (file: string) => createHash('sha256').update(readFileSync(join(dir, file))).digest('hex');
    // sha256sum of the files the Python generator wrote with the same arguments
    expect(sha256('tickets.csv')).toBe('3bf00cd0ec482cba2aa00889abc556e9eae7d2ed98214380064c2cb0796e451d');
    expect(sha256('revisits.csv')).toBe('1de991cd9799d7509044618ea7ad259c583c5638f2da9ba7339c92f9fa430476');
    expect(sha256('complaints.csv')).toBe('f321d9f4578172495dd49f91cf8c80b37ebcbde2faae7a9094e54aa26ab6bc81');
    expect(readFileSync(join(dir, 'tickets.csv'), 'utf8').split('\r\n')[1]).toBe(
      'T000000000,O00000,E000010,维修,油烟机,2026-04-20 20:16:00,2026-04-21 23:00:00,2026-04-22 00:00:00,2026-04-22 00:03:00,2026-04-22 00:35:00,completed,30,30',
    );
  });
});
