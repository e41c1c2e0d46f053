// Which kind a file is when its name does not say: told by its header (Chinese or English names,
// UTF-8, GBK, a workbook's sheet), never when the header names two kinds or none (the reason is
// kept); the name wins when it names a kind; an old .xls is told to be saved as .xlsx; a folder
// without a single export stops the load, listing each file and why.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyConfig } from '../pipeline/build/index.ts';
import { defaultConfig } from '../pipeline/common/config.ts';
import { Db } from '../pipeline/common/db.ts';
import { FatalLoadError, loadFolder } from '../pipeline/load/index.ts';
import { kindOfHeader } from '../pipeline/load/recognise.ts';

const TICKETS_ZH = '工单号,网点编号,工程师工号,服务类型,受理时间,完工时间,工单状态,联系电话';
const TICKETS_EN = 'ticket_id,outlet_id,technician_id,service_type,created_at,completed_at,status';
const REVISITS_ZH = '回访编号,工单号,回访时间,是否接通,满意度';
const COMPLAINTS_ZH = '投诉编号,工单号,工程师工号,网点编号,投诉时间,投诉类别,责任方,是否属实';

const verdict = (header: string) => {
  const v = kindOfHeader(header.split(','));
  return v === undefined ? undefined : (v.kind?.kind ?? v.reason);
};

describe('the kind a header names', () => {
  it('names each kind by its Chinese or English columns, not by the references it holds', () => {
    expect(verdict(TICKETS_ZH)).toBe('tickets');
    expect(verdict(TICKETS_EN)).toBe('tickets');
    expect(verdict(REVISITS_ZH)).toBe('revisits');
    expect(verdict('revisit_id,ticket_id,revisit_at,reached')).toBe('revisits');
    expect(verdict(COMPLAINTS_ZH)).toBe('complaints');
    expect(verdict('违规编号,工程师工号,发生时间,规则编号,罚款金额,说明')).toBe('violations');
    expect(verdict('工程师工号,姓名,网点编号,状态')).toBe('technicians');
    expect(verdict('outlet_id,name,tier,city')).toBe('outlets');
    // the key and half of the required columns are enough: the missing one is then reported by the load
    expect(verdict('工单号,网点编号,服务类型')).toBe('tickets');
  });

  it('names no kind when the header holds two kinds, too little, or no key at all', () => {
    expect(verdict(`${TICKETS_ZH},回访编号,回访时间,是否接通`)).toBe('matches tickets and revisits');
    // a ticket's references alone (outlet, technician) do not make an outlets or technicians file
    expect(verdict('工单号,网点编号,工程师工号')).toBe("has no kind's required columns (closest: tickets, without service_type, created_at, status)");
    // one id tells nothing
    expect(verdict('网点编号')).toBe('has too few columns to tell its kind (only outlet_id)');
    // a title or notes line: the header may come later
    expect(verdict('2026年11月工单明细')).toBeUndefined();
    expect(verdict('说明,内容')).toBeUndefined();
  });
});

let dir: string;
let db: Db;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sq-recognition-test-'));
  db = await Db.open(':memory:');
  await applyConfig(db, defaultConfig());
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, lines: string[], encoding: 'utf8' | 'gbk' = 'utf8'): void {
  const text = lines.join('\r\n') + '\r\n';
  writeFileSync(join(dir, name), encoding === 'gbk' ? iconv.encode(text, 'gbk') : text);
}

async function writeWorkbook(name: string, sheets: [string, string[][]][]): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  for (const [sheetName, rows] of sheets) {
    const sheet = workbook.addWorksheet(sheetName);
    for (const row of rows) sheet.addRow(row);
  }
  await workbook.xlsx.writeFile(join(dir, name));
}

const kinds = async () => db.all(`select file_name, kind, encoding, rows_read, rows_loaded, rows_rejected from load_batches order by batch_id`);

describe('files told by their header', () => {
  it('loads a UTF-8 file with a title line, a GBK file and a workbook whose names say nothing, and logs how each was told', async () => {
    write('11月工单.csv', ['2026年11月工单明细', TICKETS_ZH, 'GD1,W1,T1,维修,2026-11-01 09:00,2026-11-02 13:00,已完成,13800138000']);
    write('export_20261130.csv', [REVISITS_ZH, 'HF1,GD1,2026-11-03 10:00,已接通,满意'], 'gbk');
    await writeWorkbook('数据.xlsx', [['Sheet1', [COMPLAINTS_ZH.split(','), ['TS1', 'GD1', 'T1', 'W1', '2026-11-05 10:00', '服务态度', '工程师', '是']]]]);
    const lines: string[] = [];
    const outcomes = await loadFolder(db, dir, (line) => lines.push(line));
    expect(outcomes.map((o) => [o.file, o.status])).toEqual([
      ['11月工单.csv', 'loaded'],
      ['export_20261130.csv', 'loaded'],
      ['数据.xlsx', 'loaded'],
    ]);
    expect(await kinds()).toEqual([
      // the title line is rejected (before_header), as in any export
      { file_name: '11月工单.csv', kind: 'tickets', encoding: 'utf-8', rows_read: 2, rows_loaded: 1, rows_rejected: 1 },
      { file_name: 'export_20261130.csv', kind: 'revisits', encoding: 'gb18030', rows_read: 1, rows_loaded: 1, rows_rejected: 0 },
      { file_name: '数据.xlsx', kind: 'complaints', encoding: 'xlsx', rows_read: 1, rows_loaded: 1, rows_rejected: 0 },
    ]);
    expect(lines).toContain('11月工单.csv: read as tickets, as its header says (its name does not)');
    expect(lines).toContain('export_20261130.csv: read as revisits, as its header says (its name does not)');
    expect(lines).toContain('数据.xlsx: read as complaints, as its header says (its name does not)');
    expect(await db.all(`select revisit_id, reached, result from revisits`)).toEqual([{ revisit_id: 'HF1', reached: true, result: 'satisfied' }]);
  });

  it('reads the header of a large GBK or UTF-8 file from its first lines, the multi-byte characters intact', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => `GD${i},W1,T1,维修,2026-11-01 09:00,2026-11-02 13:00,已完成,`);
    write('十一月.csv', [TICKETS_ZH, ...rows], 'gbk');
    write('十二月.csv', [TICKETS_EN, ...rows.map((r) => r.replace('GD', 'GE').slice(0, -1))]);
    await loadFolder(db, dir);
    expect((await kinds()).map((b) => [b.file_name, b.kind, b.encoding, b.rows_loaded])).toEqual([
      ['十一月.csv', 'tickets', 'gb18030', 30_000],
      ['十二月.csv', 'tickets', 'utf-8', 30_000],
    ]);
  });

  it('skips, with the reason, a header of two kinds, of no kind, an unreadable workbook, and an old .xls', async () => {
    write('tickets.csv', [TICKETS_EN, 'GD1,W1,T1,repair,2026-11-01 09:00,2026-11-02 13:00,completed']);
    write('联合导出.csv', [`${TICKETS_ZH},回访编号,回访时间,是否接通`, 'GD1,W1,T1,维修,2026-11-01 09:00,2026-11-02 13:00,已完成,,HF1,2026-11-03 10:00,是']);
    write('summary.csv', ['month,tickets', '2026-11,1']);
    writeFileSync(join(dir, 'broken.xlsx'), 'not a zip');
    writeFileSync(join(dir, 'old.xls'), Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));
    // an old workbook whose name was changed to .csv: told by its bytes
    writeFileSync(join(dir, 'export.csv'), Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]));
    const outcomes = await loadFolder(db, dir);
    expect(outcomes.filter((o) => o.status === 'skipped')).toEqual([
      { file: 'broken.xlsx', status: 'skipped', reason: expect.stringMatching(/^the name matches no export kind, and it cannot be read: /) },
      {
        file: 'export.csv',
        status: 'skipped',
        reason: 'the name matches no export kind, and it is an Excel 97-2003 workbook (.xls), which cannot be read: open it in Excel and save it as .xlsx (or it is password-protected)',
      },
      { file: 'old.xls', status: 'skipped', reason: 'an Excel 97-2003 workbook (.xls), which cannot be read: open it in Excel and save it as .xlsx' },
      { file: 'summary.csv', status: 'skipped', reason: "the name matches no export kind, and its header has no kind's required columns" },
      { file: '联合导出.csv', status: 'skipped', reason: 'the name matches no export kind, and its header matches tickets and revisits' },
    ]);
    expect(await db.all(`select file, reason from load_skipped_files where file = '联合导出.csv'`)).toEqual([
      { file: '联合导出.csv', reason: 'the name matches no export kind, and its header matches tickets and revisits' },
    ]);
    expect((await kinds()).map((b) => b.file_name)).toEqual(['tickets.csv']);
  });

  it('goes by the name when it names a kind, whatever the header looks like', async () => {
    // a technicians header in a file named like outlets: loaded as outlets, the other columns kept out
    write('网点.csv', ['网点编号,工程师工号,姓名', 'W1,T1,张三']);
    const [outcome] = await loadFolder(db, dir);
    expect(outcome).toMatchObject({ file: '网点.csv', status: 'loaded', kind: 'outlets', extraColumns: ['工程师工号', '姓名'] });
    // a revisits header in a file named like tickets: the run stops, and says what the header is
    write('工单_回访.csv', [REVISITS_ZH, 'HF1,GD1,2026-11-03 10:00,已接通,满意']);
    await expect(loadFolder(db, dir)).rejects.toThrow(
      '工单_回访.csv: required column outlet_id is missing (accepted headers: outlet_id, 网点编号, 网点代码, 网点id); the header is one of revisits: start the file\'s name with revisits or 回访',
    );
  });
});

describe('a folder without a single export', () => {
  it('stops the load, listing each file and why, and the names accepted', async () => {
    write('notes.csv', ['a,b']);
    writeFileSync(join(dir, 'readme.txt'), 'hello');
    writeFileSync(join(dir, '工单.xls'), Buffer.from([0xd0, 0xcf, 0x11, 0xe0]));
    const error = await loadFolder(db, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalLoadError);
    expect((error as Error).message).toBe(
      [
        `no export recognised in ${dir}: 3 files skipped:`,
        "  notes.csv: the name matches no export kind, and its header has no kind's required columns",
        '  readme.txt: extension .txt is not .csv or .xlsx',
        '  工单.xls: an Excel 97-2003 workbook (.xls), which cannot be read: open it in Excel and save it as .xlsx',
        "an export's name starts with its kind: tickets…/工单…, revisits…/回访…, complaints…/投诉…, violations…/违规…, technicians…/工程师…, outlets…/网点…, appeals…/申诉… (case does not matter), or its header has the kind's columns; its extension is .csv or .xlsx",
      ].join('\n'),
    );
    // nothing of it stays: the load stopped before its transaction
    expect(await db.all(`select * from load_skipped_files`)).toEqual([]);
  });

  it('says so of an empty folder', async () => {
    await expect(loadFolder(db, dir)).rejects.toThrow(`no export recognised in ${dir}: it holds no files\n`);
  });
});
