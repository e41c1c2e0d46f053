// Files of a kind with the same header are read together, by one read_csv over all of them. What
// is stored, rejected and counted must be exactly what loading the files one after the other gives:
// line numbers after a line the reader rejects, repeats within a file, a key given in two files
// (an older version rejected as stale, a newer one replacing the stored row), raw lines with the
// customer's phone column masked (always, so that a rejected row never shows whether one was given).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import { Db } from '../pipeline/common/db.ts';
import { loadFolder } from '../pipeline/load/index.ts';
import { Progress } from '../pipeline/common/progress.ts';
import { BUILD_STATE_TABLE, applyConfig } from '../pipeline/build/index.ts';

let dir: string;
const dbs: Db[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sq-together-test-'));
});

afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A database as after a first model build: the loader marks the months of each row it stores. */
async function openDb(): Promise<Db> {
  const db = await Db.open(':memory:');
  await applyConfig(db, defaultConfig());
  await db.run(`create table ${BUILD_STATE_TABLE} (fingerprint varchar, last_batch_id bigint, built_at timestamp)`);
  dbs.push(db);
  return db;
}

const HEADER = '工单号,网点编号,工程师工号,服务类型,受理时间,完工时间,工单状态,联系电话,更新时间';

const FILES: Record<string, string[]> = {
  '工单_2026-01.csv': [
    HEADER,
    'GD1,W1,T1,维修,2026-01-05 09:00:00,2026-01-06 10:00:00,已完成,13812345678,2026-01-06 12:00:00',
    'GD2,W1,T1,维修,2026-01-05 09:00:00,2026-01-06 10:00:00,已完成,,2026-03-02 00:00:00',
    'GD3,W1,T2,安装,2026-01-07 09:00:00,2026-01-08 10:00:00,已完成,,2026-01-08 12:00:00',
  ],
  '工单_2026-02.csv': [
    HEADER,
    'GD4,W1,T1,维修,2026-02-01 09:00:00,2026-02-02 10:00:00,已完成,,2026-02-02 12:00:00',
    'GD5,W1,T1,维修,not a time,,处理中,13900001111,2026-02-02 12:00:00',
    // one cell too many: the reader rejects the line, and the lines after it keep their numbers
    'GD6,W1,T1,维修,2026-02-03 09:00:00,,处理中,,2026-02-03 12:00:00,extra',
    'GD7,W2,T2,维修,2026-02-04 09:00:00,2026-02-05 10:00:00,已完成,,2026-02-05 12:00:00',
    // GD2 again, older than the row the January file stored
    'GD2,W1,T1,维修,2026-01-05 09:00:00,2026-01-06 10:00:00,已完成,,2026-03-01 00:00:00',
  ],
  '工单_2026-03.csv': [
    HEADER,
    'GD8,W2,T2,维修,2026-03-01 09:00:00,2026-03-02 10:00:00,已完成,,2026-03-02 12:00:00',
    'GD8,W2,T2,维修,2026-03-01 09:00:00,2026-03-02 11:00:00,已完成,,2026-03-02 13:00:00',
    // GD3 again, newer than the January row: it replaces it
    'GD3,W1,T2,安装,2026-01-07 09:00:00,2026-01-08 11:00:00,已完成,,2026-03-03 12:00:00',
  ],
};

function writeFiles(folder: string, names: string[], files: Record<string, string[]> = FILES): void {
  mkdirSync(folder, { recursive: true });
  for (const name of names) writeFileSync(join(folder, name), files[name]!.join('\n') + '\n');
}

async function state(db: Db) {
  return {
    batches: await db.all(`select batch_id, file_name, rows_read, rows_loaded, rows_rejected from load_batches order by batch_id`),
    rejects: await db.all(`select * from load_rejects order by batch_id, line`),
    tickets: await db.all(`select * from tickets order by ticket_id`),
    months: await db.all(`select month from stale_months order by month`),
  };
}

/** The tables after loading the files one run each, in order, into a fresh database. */
async function loadedOneRunEach(names: string[], files: Record<string, string[]> = FILES) {
  const db = await openDb();
  for (const name of names) {
    writeFiles(join(dir, name), [name], files);
    await loadFolder(db, join(dir, name));
  }
  return state(db);
}

describe('files read together', () => {
  it('stores, rejects and counts each file as if it were loaded alone, in order', async () => {
    const names = Object.keys(FILES);
    writeFiles(join(dir, 'together'), names);
    const lines: string[] = [];
    const progress = new Progress({ out: { write: (text: string) => lines.push(text) } });
    const db = await openDb();
    const outcomes = await loadFolder(db, join(dir, 'together'), () => {}, progress);
    // the three files went through one read
    expect(lines.filter((l) => l.includes('one of 3 files read together'))).toHaveLength(3);
    expect(outcomes.map((o) => (o.status === 'loaded' ? [o.file, o.batchId, o.rowsRead, o.rowsLoaded, o.rowsRejected] : o.status))).toEqual([
      ['工单_2026-01.csv', 1, 3, 3, 0],
      ['工单_2026-02.csv', 2, 5, 2, 3],
      ['工单_2026-03.csv', 3, 3, 2, 1],
    ]);
    const together = await state(db);
    expect(together.rejects).toEqual([
      {
        batch_id: 2, file: '工单_2026-02.csv', line: 3, column: 'created_at', reason: 'invalid_timestamp', value: 'not a time',
        raw_line: 'GD5,W1,T1,维修,not a time,,处理中,***,2026-02-02 12:00:00',
      },
      {
        batch_id: 2, file: '工单_2026-02.csv', line: 4, column: null, reason: 'too_many_columns', value: null,
        raw_line: 'GD6,W1,T1,维修,2026-02-03 09:00:00,,处理中,,2026-02-03 12:00:00,extra',
      },
      {
        batch_id: 2, file: '工单_2026-02.csv', line: 6, column: 'updated_at', reason: 'stale_version', value: '2026-03-01 00:00:00',
        raw_line: 'GD2,W1,T1,维修,2026-01-05 09:00:00,2026-01-06 10:00:00,已完成,***,2026-03-01 00:00:00',
      },
      {
        batch_id: 3, file: '工单_2026-03.csv', line: 3, column: 'ticket_id', reason: 'duplicate_key', value: 'GD8',
        raw_line: 'GD8,W2,T2,维修,2026-03-01 09:00:00,2026-03-02 11:00:00,已完成,***,2026-03-02 13:00:00',
      },
    ]);
    expect(together.tickets.map((t) => [t.ticket_id, t.batch_id, t.source_line, String(t.completed_at)])).toEqual([
      ['GD1', 1, 2, '2026-01-06 10:00:00'],
      ['GD2', 1, 3, '2026-01-06 10:00:00'],
      ['GD3', 3, 4, '2026-01-08 11:00:00'],
      ['GD4', 2, 2, '2026-02-02 10:00:00'],
      ['GD7', 2, 5, '2026-02-05 10:00:00'],
      ['GD8', 3, 2, '2026-03-02 10:00:00'],
    ]);
    expect(together.months).toEqual([{ month: '2026-01' }, { month: '2026-02' }, { month: '2026-03' }]);

    // the same files loaded one run each give the very same tables
    expect(together).toEqual(await loadedOneRunEach(names));
  });

  it('marks every month once, not the months of each row, when no model build has run yet', async () => {
    writeFiles(join(dir, 'first'), Object.keys(FILES));
    const db = await Db.open(':memory:');
    dbs.push(db);
    await applyConfig(db, defaultConfig());
    await loadFolder(db, join(dir, 'first'));
    const first = await state(db);
    expect(first.months).toEqual([{ month: '*' }]);
    // what is stored does not depend on it
    expect({ ...first, months: [] }).toEqual({ ...(await loadedOneRunEach(Object.keys(FILES))), months: [] });
  });

  it('reads a file with many lines the reader rejects alone again, in its place', async () => {
    const many = [
      HEADER,
      'GD20,W1,T1,维修,2026-02-01 09:00:00,,处理中,,2026-02-01 10:00:00',
      ...Array.from({ length: 120 }, (_, i) => `GD${100 + i},W1,T1,维修,2026-02-01 09:00:00,,处理中,,2026-02-01 10:00:00,extra`),
      'GD21,W1,T1,维修,2026-02-01 09:00:00,,处理中,,not a time',
      // GD1 again, newer than the January row: stored in its place, after the January file
      'GD1,W1,T1,维修,2026-01-05 09:00:00,2026-01-06 10:00:00,已完成,,2026-02-02 00:00:00',
    ];
    const files = { ...FILES, '工单_2026-02.csv': many };
    const names = Object.keys(files);
    writeFiles(join(dir, 'together'), names, files);
    const lines: string[] = [];
    const db = await openDb();
    await loadFolder(db, join(dir, 'together'), () => {}, new Progress({ out: { write: (text: string) => lines.push(text) } }));
    expect(lines.filter((l) => l.includes('one of 3 files read together'))).toHaveLength(3);
    const together = await state(db);
    expect(together.batches).toEqual([
      { batch_id: 1, file_name: '工单_2026-01.csv', rows_read: 3, rows_loaded: 3, rows_rejected: 0 },
      { batch_id: 2, file_name: '工单_2026-02.csv', rows_read: 123, rows_loaded: 2, rows_rejected: 121 },
      { batch_id: 3, file_name: '工单_2026-03.csv', rows_read: 3, rows_loaded: 2, rows_rejected: 1 },
    ]);
    expect(together.rejects.filter((r) => r.reason !== 'too_many_columns').map((r) => [r.file, r.line, r.reason])).toEqual([
      ['工单_2026-02.csv', 123, 'invalid_timestamp'],
      ['工单_2026-03.csv', 3, 'duplicate_key'],
    ]);
    expect(together.tickets.filter((t) => t.ticket_id === 'GD1').map((t) => [t.batch_id, t.source_line])).toEqual([[2, 124]]);

    expect(together).toEqual(await loadedOneRunEach(names, files));
  });

  it('reads files of another header, or with blank lines, on their own', async () => {
    const folder = join(dir, 'mixed');
    writeFiles(folder, ['工单_2026-01.csv', '工单_2026-03.csv']);
    // the same columns in another order, between them
    writeFileSync(join(folder, '工单_2026-02.csv'), ['网点编号,工单号,工程师工号,服务类型,受理时间,完工时间,工单状态,联系电话,更新时间', 'W1,GD9,T1,维修,2026-02-01 09:00:00,,处理中,,2026-02-01 10:00:00'].join('\n') + '\n');
    // a blank line: its line numbers need the file's own map
    writeFileSync(join(folder, '工单_2026-04.csv'), [HEADER, '', 'GD10,W1,T1,维修,2026-04-01 09:00:00,,处理中,,2026-04-01 10:00:00', 'GD11,W1,T1,维修,2026-04-01 09:00:00,,处理中,,bad'].join('\n') + '\n');
    const lines: string[] = [];
    const db = await openDb();
    await loadFolder(db, folder, () => {}, new Progress({ out: { write: (text: string) => lines.push(text) } }));
    expect(lines.filter((l) => l.includes('read together'))).toEqual([]);
    expect(await db.all(`select file_name, rows_read, rows_loaded, rows_rejected from load_batches order by batch_id`)).toEqual([
      { file_name: '工单_2026-01.csv', rows_read: 3, rows_loaded: 3, rows_rejected: 0 },
      { file_name: '工单_2026-02.csv', rows_read: 1, rows_loaded: 1, rows_rejected: 0 },
      { file_name: '工单_2026-03.csv', rows_read: 3, rows_loaded: 2, rows_rejected: 1 },
      { file_name: '工单_2026-04.csv', rows_read: 2, rows_loaded: 1, rows_rejected: 1 },
    ]);
    expect(await db.all(`select file, line, reason from load_rejects order by batch_id, line`)).toEqual([
      { file: '工单_2026-03.csv', line: 3, reason: 'duplicate_key' },
      { file: '工单_2026-04.csv', line: 4, reason: 'invalid_timestamp' },
    ]);
  });
});
