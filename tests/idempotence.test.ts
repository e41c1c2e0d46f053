// Loading is idempotent and order-free: the sample loaded twice gives the same tables as loaded
// once, and the sample with the rows of every export in another order gives the same tables too.
// Rows whose key repeats within a file stay where they are: for those the first row by line is
// the one that loads, so their order legitimately matters.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import { Db } from '../pipeline/common/db.ts';
import { KINDS, kindOfFile, mapHeader } from '../pipeline/load/kinds.ts';
import { loadFolder, type FileOutcome } from '../pipeline/load/index.ts';
import { applyConfig, buildModels, MODELS } from '../pipeline/build/index.ts';

const SAMPLE = 'data/sample';

/** Every table a run leaves: the stored records (without batch and line), the load log, the models. */
async function tables(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {
    load_batches: await db.all(`select file_name, kind, encoding, rows_read, rows_loaded, rows_rejected from load_batches order by file_name`),
    load_rejects: await db.all(`select file, "column", reason, value from load_rejects order by all`),
    load_extra_columns: await db.all(`select file, column_name from load_extra_columns order by all`),
  };
  for (const k of KINDS) out[k.table] = await db.all(`select * exclude (batch_id, source_line) from ${k.table} order by all`);
  for (const m of MODELS) out[m.name] = await db.all(`select * from ${m.name} order by all`);
  return out;
}

/** A seeded shuffle, so a failure can be run again. */
function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The export with its records in another order, in its own encoding and line breaks. Records
 * whose key appears more than once keep their places; the others trade places among themselves.
 */
function reorder(bytes: Buffer, name: string, seed: number): Buffer {
  const kind = kindOfFile(name)!;
  const utf8 = isUtf8(bytes);
  const bom = utf8 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const text = (utf8 ? bytes.toString('utf8') : iconv.decode(bytes, 'gb18030')).replace(/^\uFEFF/, '');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const trailing = text.endsWith(eol);
  const records = parseCsv(trailing ? text.slice(0, -eol.length) : text, {
    raw: true, record_delimiter: eol, relax_column_count: true, relax_quotes: true, skip_empty_lines: false,
  }) as unknown as { record: string[]; raw: string }[];
  const [header, ...rows] = records;
  const keyIndex = mapHeader(kind, header!.record).columns.get(kind.key)!;
  const count = new Map<string, number>();
  for (const r of rows) count.set(r.record[keyIndex] ?? '', (count.get(r.record[keyIndex] ?? '') ?? 0) + 1);
  const movable = rows.map((r, i) => ({ r, i })).filter(({ r }) => count.get(r.record[keyIndex] ?? '') === 1);
  const moved = shuffle(movable.map(({ r }) => r), seed);
  const out = [...rows];
  movable.forEach(({ i }, n) => (out[i] = moved[n]!));
  const result = [header!, ...out].map((r) => r.raw).join(eol) + (trailing ? eol : '');
  return utf8 ? Buffer.from((bom ? '\uFEFF' : '') + result) : iconv.encode(result, 'gb18030');
}

let work: string;
let once: Record<string, unknown[]>;
let twice: Record<string, unknown[]>;
let secondRun: FileOutcome[];
let shuffled: Record<string, unknown[]>;
let movedFiles = 0;

async function run(db: Db, input: string): Promise<FileOutcome[]> {
  const outcomes = await loadFolder(db, input);
  await buildModels(db);
  return outcomes;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sq-idempotence-'));
  const db = await Db.open(':memory:');
  try {
    await applyConfig(db, defaultConfig());
    await run(db, SAMPLE);
    once = await tables(db);
    secondRun = await run(db, SAMPLE);
    twice = await tables(db);
  } finally {
    db.close();
  }

  const reordered = join(work, 'reordered');
  mkdirSync(reordered);
  // files only: the late export's folder (late/) is not part of the sample's load
  for (const name of readdirSync(SAMPLE).filter((n) => statSync(join(SAMPLE, n)).isFile())) {
    const bytes = readFileSync(join(SAMPLE, name));
    if (extname(name).toLowerCase() === '.csv' && kindOfFile(name)) {
      const again = reorder(bytes, name, name.length * 7919);
      if (!again.equals(bytes)) movedFiles += 1;
      writeFileSync(join(reordered, name), again);
    } else {
      copyFileSync(join(SAMPLE, name), join(reordered, name));
    }
  }
  const db2 = await Db.open(':memory:');
  try {
    await applyConfig(db2, defaultConfig());
    await run(db2, reordered);
    shuffled = await tables(db2);
  } finally {
    db2.close();
  }
}, 120_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('loading the sample again', () => {
  it('skips every file as already loaded', () => {
    const loaded = secondRun.filter((o) => o.status !== 'skipped');
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.every((o) => o.status === 'already_loaded')).toBe(true);
  });

  it('leaves every table as it was', () => {
    expect(Object.keys(twice)).toEqual(Object.keys(once));
    for (const table of Object.keys(once)) expect(twice[table], table).toEqual(once[table]);
  });
});

describe('loading the sample with its rows in another order', () => {
  it('moved the rows of the exports', () => {
    expect(movedFiles).toBeGreaterThan(20);
  });

  it('gives the same stored records, rejects and output tables', () => {
    for (const table of Object.keys(once)) expect(shuffled[table], table).toEqual(once[table]);
    expect(once.kpi_technician_month!.length).toBeGreaterThan(0);
    expect(once.load_rejects!.length).toBeGreaterThan(0);
  });
});
