// The loader on one export per kind of bad input (tests/fixtures/bad-input.ts): each is loaded
// with exactly the rows it should give, its bad lines rejected with their line numbers and
// reasons, and rows read = rows loaded + rows rejected; or it stops the run with one clear line
// and loads nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import { Db } from '../pipeline/common/db.ts';
import { KINDS, kindOfFile } from '../pipeline/load/kinds.ts';
import { FatalLoadError, loadFolder } from '../pipeline/load/index.ts';
import { applyConfig } from '../pipeline/build/index.ts';
import { BAD_INPUT_CASES, KIND_SAMPLES } from './fixtures/bad-input.ts';

// The independent count can be made to disagree with DuckDB's reader, to show the run stops.
const tamper = vi.hoisted(() => ({ extraRecords: 0 }));
vi.mock('../pipeline/load/bytes/prepass.ts', async (original) => {
  const real = await original<typeof import('../pipeline/load/bytes/prepass.ts')>();
  return {
    ...real,
    scanFile: async (...args: Parameters<typeof real.scanFile>) => {
      const scan = await real.scanFile(...args);
      return { ...scan, records: scan.records + tamper.extraRecords };
    },
  };
});

let dir: string;
let db: Db;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sq-bad-input-'));
  db = await Db.open(':memory:');
  await applyConfig(db, defaultConfig());
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bad input', () => {
  it('covers at least 25 kinds of bad input', () => {
    expect(new Set(BAD_INPUT_CASES.map((c) => c.name)).size).toBeGreaterThanOrEqual(25);
  });

  for (const c of BAD_INPUT_CASES) {
    it(c.name, async () => {
      writeFileSync(join(dir, c.file), await c.bytes());
      const kind = kindOfFile(c.file)!;

      if (c.fatal) {
        const error = await loadFolder(db, dir).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(FatalLoadError);
        expect((error as Error).message).toMatch(c.fatal);
        expect((error as Error).message).not.toContain('\n');
        expect(await db.value(`select count(*) from load_batches`)).toBe(0);
        expect(await db.value(`select count(*) from ${kind.table}`)).toBe(0);
        return;
      }

      const [outcome] = await loadFolder(db, dir);
      const columns = c.columns ?? [kind.key, 'source_line'];
      const loaded = await db.all(`select ${columns.join(', ')} from ${kind.table} order by source_line`);
      const rejects = (await db.all(`select line, "column", reason from load_rejects order by line, reason`)).map((r) => [r.line, r.column, r.reason]);
      expect(loaded).toEqual(c.loaded ?? []);
      expect(rejects).toEqual(c.rejects ?? []);

      const read = c.read ?? (c.loaded ?? []).length + (c.rejects ?? []).length;
      const [batch] = await db.all(`select encoding, rows_read, rows_loaded, rows_rejected from load_batches`);
      expect(batch).toMatchObject({ rows_read: read, rows_loaded: (c.loaded ?? []).length, rows_rejected: (c.rejects ?? []).length });
      expect(batch!.rows_read).toBe(Number(batch!.rows_loaded) + Number(batch!.rows_rejected));
      expect(outcome).toMatchObject({ status: 'loaded', rowsRead: read });
      if (c.encoding) expect(batch!.encoding).toBe(c.encoding);

      // the same bytes again: nothing changes
      const again = await loadFolder(db, dir);
      expect(again.map((o) => o.status)).toEqual(['already_loaded']);
      expect(await db.all(`select ${columns.join(', ')} from ${kind.table} order by source_line`)).toEqual(loaded);
    });
  }
});

describe('rows that are not records, in every kind', () => {
  for (const sample of KIND_SAMPLES) {
    it(`${sample.kind}: a repeated header, summary rows (also with the label in a non-key column) and an empty row`, async () => {
      const kind = KINDS.find((k) => k.kind === sample.kind)!;
      const keyIndex = sample.header.indexOf(sample.key);
      const second = sample.row.map((v, i) => (i === keyIndex ? `${v}B` : v));
      const blankKey = (label: string, at: number) => sample.header.map((_, i) => (i === at ? label : ''));
      const lines = [
        sample.header.join(','),
        sample.row.join(','),
        sample.header.join(','),
        second.join(','),
        blankKey('合计', sample.header.length - 1).join(','), // label in the last column, key blank
        blankKey('总计：2', keyIndex).join(','), // label in the key column
        blankKey('', 0).join(','),
      ];
      writeFileSync(join(dir, sample.file), lines.join('\n') + '\n');
      const [outcome] = await loadFolder(db, dir);
      expect(outcome).toMatchObject({ status: 'loaded', rowsRead: 6, rowsLoaded: 2, rowsRejected: 4 });
      expect(await db.all(`select ${sample.key} as key, source_line from ${kind.table} order by source_line`)).toEqual([
        { key: sample.row[keyIndex], source_line: 2 },
        { key: second[keyIndex], source_line: 4 },
      ]);
      expect(await db.all(`select line, reason from load_rejects order by line`)).toEqual([
        { line: 3, reason: 'repeated_header' },
        { line: 5, reason: 'summary_row' },
        { line: 6, reason: 'summary_row' },
        { line: 7, reason: 'empty_row' },
      ]);
    });
  }
});

describe('the independent row count', () => {
  afterEach(() => {
    tamper.extraRecords = 0;
  });

  it('stops the run, loading nothing, when it and the reader disagree', async () => {
    writeFileSync(join(dir, 'tickets.csv'), 'ticket_id,outlet_id,service_type,created_at,status\nGD1,W1,repair,2026-03-05 14:07,open\n');
    tamper.extraRecords = 1;
    await expect(loadFolder(db, dir)).rejects.toThrow(
      new FatalLoadError('tickets.csv: row accounting failed: the file holds 2 data rows but the reader returned 1 and rejected 0; nothing from this file was loaded'),
    );
    expect(await db.value(`select count(*) from load_batches`)).toBe(0);
    expect(await db.value(`select count(*) from tickets`)).toBe(0);
  });
});
