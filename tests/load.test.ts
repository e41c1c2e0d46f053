// The loader on small export files: header aliases, encodings, workbooks, rejects with their line
// numbers and reasons, duplicate keys, versions, re-loads and the row accounting.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import { Db } from '../pipeline/common/db.ts';
import { FatalLoadError, loadFolder } from '../pipeline/load/index.ts';
import { applyConfig } from '../pipeline/build/index.ts';

let dir: string;
let db: Db;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sq-load-test-'));
  db = await Db.open(':memory:');
  await applyConfig(db, defaultConfig());
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const TICKET_HEADER = '工单号,网点编号,工程师工号,服务类型,受理时间,完工时间,工单状态,联系电话';

function write(name: string, lines: string[], eol = '\n'): void {
  writeFileSync(join(dir, name), lines.join(eol) + eol);
}

async function rejects() {
  return db.all(`select file, line, "column", reason, value from load_rejects order by file, line`);
}

async function batches() {
  return db.all(`select file_name, kind, encoding, rows_read, rows_loaded, rows_rejected from load_batches order by batch_id`);
}

describe('loading tickets', () => {
  it('maps Chinese headers, types the values and rejects bad rows with line, column and reason', async () => {
    write('工单_2026-03.csv', [
      TICKET_HEADER,
      'GD1,W1,T1,维修,2026-03-01 09:00:00,2026-03-02 13:00:00,已完成,13812345678',
      'GD2,W1,T1,安装,2026/3/1 9:05,2026-03-02T14:00:00,完工,',
      'GD3,W1,T2,拆机,2026-03-01 09:00,2026-03-02 13:00,已完成,',
      'GD4,W2,T2,维修,2026-13-45 25:00,,处理中,',
      'GD5,W2,,维修,2026-03-01 09:00,,已完成,',
      'GD6,W2',
      'GD1,W1,T1,维修,2026-03-01 09:00,2026-03-02 13:00,已完成,',
    ]);
    const outcomes = await loadFolder(db, dir);
    expect(outcomes.map((o) => o.status)).toEqual(['loaded']);
    expect(await batches()).toEqual([
      { file_name: '工单_2026-03.csv', kind: 'tickets', encoding: 'utf-8', rows_read: 7, rows_loaded: 2, rows_rejected: 5 },
    ]);
    expect(await rejects()).toEqual([
      { file: '工单_2026-03.csv', line: 4, column: 'service_type', reason: 'unknown_value', value: '拆机' },
      { file: '工单_2026-03.csv', line: 5, column: 'created_at', reason: 'invalid_timestamp', value: '2026-13-45 25:00' },
      { file: '工单_2026-03.csv', line: 6, column: 'technician_id', reason: 'missing_value', value: null },
      { file: '工单_2026-03.csv', line: 7, column: 'technician_id', reason: 'too_few_columns', value: null },
      { file: '工单_2026-03.csv', line: 8, column: 'ticket_id', reason: 'duplicate_key', value: 'GD1' },
    ]);
    expect(await db.all(`select ticket_id, service_type, status, created_at, completed_at, source_line from tickets order by ticket_id`)).toEqual([
      { ticket_id: 'GD1', service_type: 'repair', status: 'completed', created_at: '2026-03-01 09:00:00', completed_at: '2026-03-02 13:00:00', source_line: 2 },
      { ticket_id: 'GD2', service_type: 'install', status: 'completed', created_at: '2026-03-01 09:05:00', completed_at: '2026-03-02 14:00:00', source_line: 3 },
    ]);
  });

  it('stops with the file, the column and the accepted headers when a required column is missing', async () => {
    write('tickets.csv', ['ticket_id,outlet_id,service_type,created_at', 'GD1,W1,repair,2026-03-01 09:00']);
    await expect(loadFolder(db, dir)).rejects.toThrow(
      new FatalLoadError('tickets.csv: required column status is missing (accepted headers: status, 工单状态, 状态)'),
    );
  });

  it('counts blank lines and quoted line breaks so line numbers are the ones an editor shows', async () => {
    write(
      'tickets_a.csv',
      [
        'ticket_id,outlet_id,technician_id,service_type,created_at,completed_at,status,product_category',
        'GD1,W1,T1,repair,2026-03-01 09:00,2026-03-02 13:00,completed,"two',
        'lines"',
        '',
        'GD2,W1,T1,repair,2026-03-01 09:00,2026-03-02 13:00,completed,x,extra',
        'GD3,W1,T1,repair,2026-03-01 09:00,2026-03-02 13:00,done,x',
        '',
        'GD4,W1,T1,repair,2026-03-01 09:00,2026-03-02 13:00,completed,x',
      ],
      '\r\n',
    );
    await loadFolder(db, dir);
    expect(await rejects()).toEqual([
      { file: 'tickets_a.csv', line: 5, column: null, reason: 'too_many_columns', value: null },
      { file: 'tickets_a.csv', line: 6, column: 'status', reason: 'unknown_value', value: 'done' },
    ]);
    expect(await db.all(`select ticket_id, product_category, source_line from tickets order by ticket_id`)).toEqual([
      { ticket_id: 'GD1', product_category: 'two\r\nlines', source_line: 2 },
      { ticket_id: 'GD4', product_category: 'x', source_line: 8 },
    ]);
    expect(await batches()).toEqual([
      { file_name: 'tickets_a.csv', kind: 'tickets', encoding: 'utf-8', rows_read: 4, rows_loaded: 2, rows_rejected: 2 },
    ]);
  });

  it('never keeps a customer phone number in the raw line of a rejected row', async () => {
    write('工单.csv', [TICKET_HEADER, 'GD1,W1,T1,拆机,2026-03-01 09:00,2026-03-02 13:00,已完成,13812345678', 'GD2,13912345678']);
    await loadFolder(db, dir);
    const raw = await db.all(`select line, raw_line from load_rejects order by line`);
    expect(raw).toEqual([
      { line: 2, raw_line: 'GD1,W1,T1,拆机,2026-03-01 09:00,2026-03-02 13:00,已完成,***' },
      { line: 3, raw_line: 'GD2,***' },
    ]);
  });
});

describe('encodings and workbooks', () => {
  const lines = [TICKET_HEADER, 'GD1,W1,T1,维修,2026/3/5 14:07,2026/3/5 16:00,已完成,', 'GD2,W1,T2,安装,2026/3/5 9:00,,已取消,'];
  const loaded = () => db.all(`select ticket_id, technician_id, service_type, status, created_at, completed_at from tickets order by ticket_id`);
  const expected = [
    { ticket_id: 'GD1', technician_id: 'T1', service_type: 'repair', status: 'completed', created_at: '2026-03-05 14:07:00', completed_at: '2026-03-05 16:00:00' },
    { ticket_id: 'GD2', technician_id: 'T2', service_type: 'install', status: 'cancelled', created_at: '2026-03-05 09:00:00', completed_at: null },
  ];

  it('loads a GBK file saved by Excel on Chinese Windows like its UTF-8 twin', async () => {
    writeFileSync(join(dir, '工单_gbk.csv'), iconv.encode(lines.join('\r\n') + '\r\n', 'gbk'));
    await loadFolder(db, dir);
    expect(await loaded()).toEqual(expected);
    expect((await batches())[0]).toMatchObject({ encoding: 'gb18030', rows_read: 2, rows_loaded: 2 });
  });

  it('loads a UTF-8 file with a BOM', async () => {
    writeFileSync(join(dir, '工单_bom.csv'), '\uFEFF' + lines.join('\n') + '\n');
    await loadFolder(db, dir);
    expect(await loaded()).toEqual(expected);
    expect((await batches())[0]).toMatchObject({ encoding: 'utf-8-bom' });
  });

  it('reads .xlsx exports: date cells stay local wall-clock times, numbers keep their digits', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('工单');
    sheet.addRow(TICKET_HEADER.split(','));
    sheet.addRow(['GD1', 'W1', 'T1', '维修', new Date(Date.UTC(2026, 2, 5, 14, 7)), new Date(Date.UTC(2026, 2, 5, 16, 0)), '已完成', 13812345678]);
    sheet.addRow(['GD2', 'W1', 'T2', '安装', '2026/3/5 9:00', null, '已取消', null]);
    await workbook.xlsx.writeFile(join(dir, '工单.xlsx'));
    await loadFolder(db, dir);
    expect(await loaded()).toEqual(expected);
    expect(await db.value(`select customer_phone from tickets where ticket_id = 'GD1'`)).toBe('13812345678');
    expect((await batches())[0]).toMatchObject({ encoding: 'xlsx', rows_read: 2, rows_loaded: 2, rows_rejected: 0 });
  });

  it('stops on bytes that are neither UTF-8 nor GB18030', async () => {
    writeFileSync(join(dir, 'tickets_bad.csv'), Buffer.concat([Buffer.from(TICKET_HEADER + '\nGD1,'), Buffer.from([0xff, 0xff, 0xff]), Buffer.from('\n')]));
    await expect(loadFolder(db, dir)).rejects.toThrow(/tickets_bad\.csv: neither UTF-8 nor GB18030/);
  });
});

describe("the load's one transaction", () => {
  const typedDatabases = () => db.value<number>(`select count(*) from duckdb_databases() where database_name like 'load_typed_%'`);

  it('stores nothing of a run that stops on a later file, and keeps none of the typed rows once the load is over', async () => {
    // two headers, so each file is read on its own: the first is typed and stored before the third stops the run
    write('tickets_1.csv', ['ticket_id,outlet_id,technician_id,service_type,created_at,completed_at,status', 'GD1,W1,T1,repair,2026-03-01 09:00,2026-03-02 13:00,completed']);
    write('tickets_2.csv', ['ticket_id,outlet_id,service_type,created_at,status', 'GD2,W1,repair,2026-03-05 14:07,open']);
    writeFileSync(join(dir, 'tickets_3.csv'), Buffer.concat([Buffer.from(TICKET_HEADER + '\nGD3,'), Buffer.from([0xff, 0xff, 0xff]), Buffer.from('\n')]));
    await expect(loadFolder(db, dir)).rejects.toThrow(/^tickets_3\.csv: neither UTF-8 nor GB18030/);
    expect(await db.value(`select count(*) from tickets`)).toBe(0);
    expect(await db.value(`select count(*) from load_batches`)).toBe(0);
    expect(await typedDatabases()).toBe(0);

    rmSync(join(dir, 'tickets_3.csv'));
    const outcomes = await loadFolder(db, dir);
    expect(outcomes.map((o) => [o.file, o.status])).toEqual([['tickets_1.csv', 'loaded'], ['tickets_2.csv', 'loaded']]);
    expect(await db.all(`select ticket_id, source_line from tickets order by ticket_id`)).toEqual([
      { ticket_id: 'GD1', source_line: 2 },
      { ticket_id: 'GD2', source_line: 2 },
    ]);
    expect(await typedDatabases()).toBe(0);
  });
});

describe('versions and re-loads', () => {
  const header = 'ticket_id,outlet_id,technician_id,service_type,created_at,completed_at,status,updated_at';

  it('loads the very same file only once', async () => {
    write('tickets_1.csv', [header, 'GD1,W1,T1,repair,2026-03-01 09:00,2026-03-02 13:00,completed,']);
    await loadFolder(db, dir);
    const again = await loadFolder(db, dir);
    expect(again).toEqual([{ file: 'tickets_1.csv', status: 'already_loaded', kind: 'tickets', batchId: 1 }]);
    expect(await db.value(`select count(*) from load_batches`)).toBe(1);
    expect(await db.value(`select count(*) from tickets`)).toBe(1);
  });

  it('lets a later export replace a row, unless the stored row is newer by updated_at', async () => {
    write('tickets_1.csv', [
      header,
      'GD1,W1,T1,repair,2026-03-01 09:00,2026-03-02 13:00,completed,2026-03-02 14:00',
      'GD2,W1,T1,repair,2026-03-01 09:00,2026-03-02 13:00,completed,2026-03-05 10:00',
      'GD3,W1,T1,repair,2026-03-01 09:00,2026-03-02 13:00,completed,',
    ]);
    await loadFolder(db, dir);
    write('tickets_2.csv', [
      header,
      'GD1,W1,T9,repair,2026-03-01 09:00,2026-03-02 13:00,completed,2026-03-03 09:00',
      'GD2,W1,T9,repair,2026-03-01 09:00,2026-03-02 13:00,completed,2026-03-04 09:00',
      'GD3,W1,T9,repair,2026-03-01 09:00,2026-03-02 13:00,completed,2026-03-01 00:00',
    ]);
    await loadFolder(db, dir);
    expect(await db.all(`select ticket_id, technician_id, batch_id from tickets order by ticket_id`)).toEqual([
      { ticket_id: 'GD1', technician_id: 'T9', batch_id: 2 },
      { ticket_id: 'GD2', technician_id: 'T1', batch_id: 1 },
      { ticket_id: 'GD3', technician_id: 'T9', batch_id: 2 },
    ]);
    expect(await rejects()).toEqual([
      { file: 'tickets_2.csv', line: 3, column: 'updated_at', reason: 'stale_version', value: '2026-03-04 09:00:00' },
    ]);
    expect(await batches()).toEqual([
      { file_name: 'tickets_1.csv', kind: 'tickets', encoding: 'utf-8', rows_read: 3, rows_loaded: 3, rows_rejected: 0 },
      { file_name: 'tickets_2.csv', kind: 'tickets', encoding: 'utf-8', rows_read: 3, rows_loaded: 2, rows_rejected: 1 },
    ]);
  });
});

describe('the input folder', () => {
  it('reports files whose name matches no kind, and extra columns', async () => {
    write('notes.csv', ['a,b']);
    write('Revisits_March.csv', [
      'revisit_id,ticket_id,revisit_at,reached,result,caller',
      'HF1,GD1,2026-03-03 10:00,已接通,非常满意,王五',
      'HF2,GD1,2026-03-03 11:00,空号,,王五',
      'HF3,GD1,2026-03-03 12:00,maybe,,王五',
      'HF4,GD1,,是,,王五',
    ]);
    const outcomes = await loadFolder(db, dir);
    expect(outcomes).toEqual([
      { file: 'Revisits_March.csv', status: 'loaded', kind: 'revisits', batchId: 1, encoding: 'utf-8', rowsRead: 4, rowsLoaded: 2, rowsRejected: 2, extraColumns: ['caller'] },
      { file: 'notes.csv', status: 'skipped', reason: expect.stringContaining('matches no export kind') },
    ]);
    expect(await db.all(`select revisit_id, reached, result from revisits order by revisit_id`)).toEqual([
      { revisit_id: 'HF1', reached: true, result: 'satisfied' },
      { revisit_id: 'HF2', reached: false, result: null },
    ]);
    expect(await rejects()).toEqual([
      { file: 'Revisits_March.csv', line: 4, column: 'reached', reason: 'unknown_value', value: 'maybe' },
      { file: 'Revisits_March.csv', line: 5, column: 'revisit_at', reason: 'missing_value', value: null },
    ]);
    expect(await db.all(`select file, column_name from load_extra_columns`)).toEqual([{ file: 'Revisits_March.csv', column_name: 'caller' }]);
    expect(await db.all(`select file from load_skipped_files`)).toEqual([{ file: 'notes.csv' }]);
  });

  it('rejects a manual violation of a rule the schedule does not know unless it carries an amount', async () => {
    write('违规.csv', [
      '违规编号,工程师工号,发生时间,规则编号,罚款金额,说明',
      'WG1,T1,2026-03-04 10:00,IMAGE,,',
      'WG2,T1,2026-03-04 10:00,SAFETY,200,未系安全带',
      'WG3,T1,2026-03-04 10:00,SAFETY,,',
    ]);
    await loadFolder(db, dir);
    expect(await db.all(`select violation_id, rule_id, amount from violations order by violation_id`)).toEqual([
      { violation_id: 'WG1', rule_id: 'IMAGE', amount: null },
      { violation_id: 'WG2', rule_id: 'SAFETY', amount: 200 },
    ]);
    expect(await rejects()).toEqual([{ file: '违规.csv', line: 4, column: 'rule_id', reason: 'unknown_rule_without_amount', value: 'SAFETY' }]);
  });
});

describe('values read from a file are never SQL text', () => {
  it('rejects a NUL or another control character in a cell with its line and column, and loads the other files', async () => {
    const extra = "备注'; drop table tickets; --";
    const ok = '维修,2026-03-01 09:00,2026-03-02 13:00,已完成';
    write(`工单_o'brien.csv`, [
      `${TICKET_HEADER},${extra}`,
      `GD1,W1,T1,${ok},,`,
      `G\u0000D2,W1,T1,${ok},,`,
      `GD3',W1,T1,${ok},,`,
      `GD4,W1,T1,维\u0001修,2026-03-01 09:00,2026-03-02 13:00,已完成,,`,
      `GD5,W1,T1,${ok},138\u007f12345678,`,
      // a column that is not read: its content is neither stored nor checked
      `GD6,W1,T1,${ok},,备注\u0000里的字`,
      `GD7,W1,T1,${ok},,a,b`,
      `GD8,W1,T1,${ok},`,
    ]);
    write('回访.csv', ['回访编号,工单号,回访时间,是否接通', 'HF1,GD1,2026-03-03 10:00,是']);
    const outcomes = await loadFolder(db, dir);
    expect(outcomes.map((o) => [o.file, o.status])).toEqual([
      [`工单_o'brien.csv`, 'loaded'],
      ['回访.csv', 'loaded'],
    ]);
    expect(await rejects()).toEqual([
      { file: `工单_o'brien.csv`, line: 3, column: 'ticket_id', reason: 'control_character', value: 'G\uFFFDD2' },
      { file: `工单_o'brien.csv`, line: 5, column: 'service_type', reason: 'control_character', value: '维\uFFFD修' },
      { file: `工单_o'brien.csv`, line: 6, column: 'customer_phone', reason: 'control_character', value: '***' },
      { file: `工单_o'brien.csv`, line: 8, column: null, reason: 'too_many_columns', value: null },
      { file: `工单_o'brien.csv`, line: 9, column: extra, reason: 'too_few_columns', value: null },
    ]);
    expect(await db.all(`select ticket_id, source_line from tickets order by source_line`)).toEqual([
      { ticket_id: 'GD1', source_line: 2 },
      { ticket_id: "GD3'", source_line: 4 },
      { ticket_id: 'GD6', source_line: 7 },
    ]);
    expect(await db.all(`select revisit_id, source_line from revisits`)).toEqual([{ revisit_id: 'HF1', source_line: 2 }]);
    expect(await batches()).toEqual([
      { file_name: `工单_o'brien.csv`, kind: 'tickets', encoding: 'utf-8', rows_read: 8, rows_loaded: 3, rows_rejected: 5 },
      { file_name: '回访.csv', kind: 'revisits', encoding: 'utf-8', rows_read: 1, rows_loaded: 1, rows_rejected: 0 },
    ]);
    expect(await db.all(`select file, column_name from load_extra_columns`)).toEqual([{ file: `工单_o'brien.csv`, column_name: extra }]);
    // the raw line stays in the database as it was, for the operator, without the customer's phone
    expect(await db.value(`select raw_line from load_rejects where line = 3`)).toBe(`G\u0000D2,W1,T1,${ok},***,`);
  });

  it('reads a NUL written as _x0000_ in a workbook cell as the NUL it is', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('工单');
    sheet.addRow(TICKET_HEADER.split(','));
    sheet.addRow(['GD1', 'W1', 'T1', '维修', '2026-03-01 09:00', '2026-03-02 13:00', '已完成', null]);
    sheet.addRow(['G_x0000_D2', 'W1', 'T1', '维修', '2026-03-01 09:00', '2026-03-02 13:00', '已完成', null]);
    // a literal _x…_ is written with its underscore escaped
    sheet.addRow(['GD3', 'W1', 'T1', '维修', '2026-03-01 09:00', '2026-03-02 13:00', '已完成', null, '_x005F_x0041_']);
    await workbook.xlsx.writeFile(join(dir, '工单.xlsx'));
    await loadFolder(db, dir);
    expect(await rejects()).toEqual([
      { file: '工单.xlsx', line: 3, column: 'ticket_id', reason: 'control_character', value: 'G\uFFFDD2' },
      { file: '工单.xlsx', line: 4, column: null, reason: 'too_many_columns', value: null },
    ]);
    expect(await db.value(`select raw_line from load_rejects where line = 4`)).toBe('GD3,W1,T1,维修,2026-03-01 09:00,2026-03-02 13:00,已完成,,_x0041_');
  });
});
