// HR's downloads as a spreadsheet reader sees them (csv-parse, exceljs): headers in each language,
// technician and outlet names, each technician's block as the printed statement has it (lines, then
// a subtotal with the flags and their reasons), the month's total row, 是/否, amounts as numbers
// with their format, times as dates at the naive local time; text that looks like a formula stays
// text (OWASP CSV injection) while numbers stay numbers; the same rows make the same bytes. And the
// reason codes of penalty_totals as the downloads word them, every kind in both languages.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import { type Db, sqlFile } from '../pipeline/common/db.ts';
import { publish, type RunInfo } from '../pipeline/publish/index.ts';
import { rendered } from './downloads.ts';
import { fixtureDb, ticket } from './helpers.ts';

const HYPERLINK = '=HYPERLINK("http://x","y")';

let work: string;
let run: string;
/** HR's four downloads of March, as the server renders them: 2026-03.csv … 2026-03.en.xlsx */
let downloads: Map<string, Buffer>;

const DOWNLOADS = ['2026-03.xlsx', '2026-03.en.xlsx', '2026-03.csv', '2026-03.en.csv'];

async function downloadsOf(runDir: string): Promise<Map<string, Buffer>> {
  return new Map(await Promise.all(DOWNLOADS.map(async (file) => [file, await rendered(runDir, `penalties/${file}`)] as const)));
}

const download = (file: string) => downloads.get(file)!;

/** March 2026: T1 (three lines: training), '+1' with a formula for a name (an overcharge: dismissal review). */
async function fixture(): Promise<Db> {
  return fixtureDb({
    tickets: [ticket('GD1', { technician_id: '+1', outlet_id: '-5', fee_charged: 150, fee_standard: 100 })],
    violations: [
      { violation_id: 'V1', technician_id: 'T1', occurred_at: '2026-03-01 10:00:00', rule_id: 'IMAGE', amount: null },
      { violation_id: 'V2', technician_id: 'T1', occurred_at: '2026-03-02 10:00:00', rule_id: 'IMAGE', amount: null },
      // a rule the schedule does not know, with its own (negative) amount
      { violation_id: 'V3', technician_id: 'T1', occurred_at: '2026-03-03 14:07:00', rule_id: '@x', amount: -5 },
    ],
    technicians: [
      { technician_id: 'T1', name: '王师傅', outlet_id: 'W1', status: 'active' },
      { technician_id: '+1', name: HYPERLINK, outlet_id: '-5', status: 'active' },
    ],
    outlets: [
      { outlet_id: 'W1', name: '青岛一店', tier: 'service_center', city: 'Qingdao' },
      { outlet_id: '-5', name: '\t青岛二店', tier: 'authorized', city: 'Qingdao' },
    ],
  });
}

function runInfo(runId: string): RunInfo {
  return { runId, startedAt: '2026-11-01 08:00:00', startedMs: performance.now(), files: [], config: defaultConfig() };
}

async function publishFixture(name: string): Promise<string> {
  const db = await fixture();
  try {
    const manifest = await publish(db, join(work, name), runInfo('20261101T080000-001'));
    return join(work, name, manifest.folder);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sq-hr-downloads-'));
  run = await publishFixture('first');
  downloads = await downloadsOf(run);
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function csvRecords(file: string): string[][] {
  const bytes = download(file);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(bytes.toString('utf8')).toMatch(/\r\n$/);
  return parse(bytes, { bom: true, record_delimiter: '\r\n' }) as string[][];
}

async function sheets(file: string): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(download(file) as never);
  return workbook;
}

/** The cells of a sheet, row by row (exceljs: missing cells undefined, dates as Date). */
function values(sheet: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push(Array.from({ length: sheet.columnCount }, (_, i) => row.getCell(i + 1).value ?? undefined)));
  return rows;
}

/** A naive local time as exceljs reads an Excel date: the wall-clock fields in UTC, no zone shift. */
const at = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);

describe("HR's CSV", () => {
  it('zh: headers, names, each technician\'s lines and subtotal with the flags\' reasons, the total; formula-looking text quoted', () => {
    expect(csvRecords('2026-03.csv')).toEqual([
      ['月份', '工号', '姓名', '网点', '网点名称', '规则', '说明', '金额', '证据', '发生时间', '除名项', '处理'],
      ['2026-03', "'+1", `'${HYPERLINK}`, "'-5", "'\t青岛二店", 'OVERCHARGE', '私收费、乱收费', '500.00', '工单 GD1', '2026-03-02 13:00:00', '是', ''],
      ['2026-03', "'+1", `'${HYPERLINK}`, "'-5", "'\t青岛二店", '', '小计: 1 次违规', '500.00', '', '', '', '除名审核: 私收费、乱收费 500 元, 工单 GD1'],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', 'IMAGE', '上门形象不规范', '20.00', '违规记录 V1', '2026-03-01 10:00:00', '否', ''],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', 'IMAGE', '上门形象不规范', '20.00', '违规记录 V2', '2026-03-02 10:00:00', '否', ''],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', "'@x", "'@x", '-5.00', '违规记录 V3', '2026-03-03 14:07:00', '否', ''],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', '', '小计: 3 次违规', '35.00', '', '', '', '停工培训: 本月违规 3 次'],
      ['2026-03', '', '', '', '', '', '合计: 2 人, 4 次违规', '535.00', '', '', '', '停工培训 1 人；除名审核 1 人'],
    ]);
  });

  it('en: the same rows in English, Yes/No', () => {
    expect(csvRecords('2026-03.en.csv')).toEqual([
      ['Month', 'Technician ID', 'Name', 'Outlet', 'Outlet name', 'Rule', 'Description', 'Amount', 'Evidence', 'Occurred at', 'Dismissal item', 'Action'],
      ['2026-03', "'+1", `'${HYPERLINK}`, "'-5", "'\t青岛二店", 'OVERCHARGE', 'Overcharging', '500.00', 'ticket GD1', '2026-03-02 13:00:00', 'Yes', ''],
      ['2026-03', "'+1", `'${HYPERLINK}`, "'-5", "'\t青岛二店", '', 'Subtotal: 1 violation', '500.00', '', '', '', 'Dismissal review: Overcharging ¥500, ticket GD1'],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', 'IMAGE', 'Uniform or badge not shown', '20.00', 'violation record V1', '2026-03-01 10:00:00', 'No', ''],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', 'IMAGE', 'Uniform or badge not shown', '20.00', 'violation record V2', '2026-03-02 10:00:00', 'No', ''],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', "'@x", "'@x", '-5.00', 'violation record V3', '2026-03-03 14:07:00', 'No', ''],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', '', 'Subtotal: 3 violations', '35.00', '', '', '', 'Training: 3 violations this month'],
      ['2026-03', '', '', '', '', '', 'Total: 2 technicians, 4 violations', '535.00', '', '', '', 'Training: 1; dismissal review: 1'],
    ]);
  });

  it('reads back with csv-parse: times as the naive local time, amounts as numbers summing to the total row', () => {
    const rows = parse(download('2026-03.csv'), {
      bom: true,
      columns: true,
      cast: (value, context) => (context.column === '发生时间' && value !== '' ? new Date(value) : context.column === '金额' ? Number(value) : value),
    }) as Record<string, unknown>[];
    const lines = rows.filter((r) => r['规则'] !== '');
    expect(lines.map((r) => r['发生时间'])).toEqual([new Date(2026, 2, 2, 13, 0), new Date(2026, 2, 1, 10, 0), new Date(2026, 2, 2, 10, 0), new Date(2026, 2, 3, 14, 7)]);
    expect(lines.map((r) => r['金额'])).toEqual([500, 20, 20, -5]);
    expect(rows.at(-1)!['金额']).toBe(lines.reduce((sum, r) => sum + Number(r['金额']), 0));
  });
});

describe("HR's workbook", () => {
  it('zh: the statement sheet as the CSV has it, with dates, numbers and plain text for formula-looking cells', async () => {
    const workbook = await sheets('2026-03.xlsx');
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['罚款明细', '汇总']);
    const sheet = workbook.getWorksheet('罚款明细')!;
    const none = undefined;
    expect(values(sheet)).toEqual([
      ['月份', '工号', '姓名', '网点', '网点名称', '规则', '说明', '金额', '证据', '发生时间', '除名项', '处理'],
      ['2026-03', '+1', HYPERLINK, '-5', '\t青岛二店', 'OVERCHARGE', '私收费、乱收费', 500, '工单 GD1', at('2026-03-02 13:00'), '是', none],
      ['2026-03', '+1', HYPERLINK, '-5', '\t青岛二店', none, '小计: 1 次违规', 500, none, none, none, '除名审核: 私收费、乱收费 500 元, 工单 GD1'],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', 'IMAGE', '上门形象不规范', 20, '违规记录 V1', at('2026-03-01 10:00'), '否', none],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', 'IMAGE', '上门形象不规范', 20, '违规记录 V2', at('2026-03-02 10:00'), '否', none],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', '@x', '@x', -5, '违规记录 V3', at('2026-03-03 14:07'), '否', none],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', none, '小计: 3 次违规', 35, none, none, none, '停工培训: 本月违规 3 次'],
      ['2026-03', none, none, none, none, none, '合计: 2 人, 4 次违规', 535, none, none, none, '停工培训 1 人；除名审核 1 人'],
    ]);
    // the total row is the sum of the lines
    const rows = values(sheet);
    expect(rows.at(-1)![7]).toBe(rows.filter((r, i) => i > 0 && r[5] !== undefined).reduce((sum, r) => sum + Number(r[7]), 0));
    // no cell is a formula; amounts and times carry their formats; the header is bold, frozen, and sized
    sheet.eachRow((row) => row.eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)));
    expect([sheet.getCell('H2').numFmt, sheet.getCell('H8').numFmt, sheet.getCell('J2').numFmt]).toEqual(['"¥"#,##0.00', '"¥"#,##0.00', 'yyyy-mm-dd hh:mm']);
    expect([sheet.getCell('A1').font?.bold, sheet.getCell('G3').font?.bold, sheet.getCell('G2').font?.bold]).toEqual([true, true, undefined]);
    expect(sheet.views).toMatchObject([{ state: 'frozen', ySplit: 1, topLeftCell: 'A2' }]);
    expect(sheet.columns.map((c) => c.width)).toEqual([9, 12, 12, 10, 20, 20, 30, 12, 32, 17, 10, 60]);
  });

  it('marks formula-looking text with the quote prefix, so that editing the cell keeps it text', () => {
    const xml = zipEntry(download('2026-03.xlsx'), 'xl/worksheets/sheet1.xml');
    const styles = zipEntry(download('2026-03.xlsx'), 'xl/styles.xml');
    const quoted = [...styles.matchAll(/<xf [^>]*\/>/g)].slice(1).map((m, i) => (m[0].includes('quotePrefix="1"') ? i : -1)).filter((i) => i >= 0);
    const styleOf = (ref: string) => Number(new RegExp(`<c r="${ref}"(?: s="(\\d+)")?`).exec(xml)?.[1] ?? 0);
    expect(['B2', 'C2', 'D2', 'E2', 'F6', 'G6'].map((ref) => quoted.includes(styleOf(ref)))).toEqual([true, true, true, true, true, true]);
    expect(['B5', 'C5', 'F5', 'H6'].map((ref) => quoted.includes(styleOf(ref)))).toEqual([false, false, false, false]);
  });

  it("zh: the summary sheet, one row per technician with the flags' reasons, and the total row", async () => {
    const sheet = (await sheets('2026-03.xlsx')).getWorksheet('汇总')!;
    const none = undefined;
    expect(values(sheet)).toEqual([
      ['月份', '工号', '姓名', '网点', '网点名称', '违规次数', '本年累计违规', '金额', '停工培训', '培训原因', '除名审核', '除名原因'],
      ['2026-03', '+1', HYPERLINK, '-5', '\t青岛二店', 1, 1, 500, '否', none, '是', '私收费、乱收费 500 元, 工单 GD1'],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', 3, 3, 35, '是', '本月违规 3 次', '否', none],
      ['2026-03', '合计', '2 人', none, none, 4, none, 535, '1 人', none, '1 人', none],
    ]);
    expect(sheet.getCell('H2').numFmt).toBe('"¥"#,##0.00');
  });

  it('en: sheet names, headers and words in English', async () => {
    const workbook = await sheets('2026-03.en.xlsx');
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Penalty lines', 'Summary']);
    const none = undefined;
    expect(values(workbook.getWorksheet('Summary')!)).toEqual([
      ['Month', 'Technician ID', 'Name', 'Outlet', 'Outlet name', 'Violations', 'Violations this year', 'Amount', 'Training', 'Training reason', 'Dismissal review', 'Dismissal reason'],
      ['2026-03', '+1', HYPERLINK, '-5', '\t青岛二店', 1, 1, 500, 'No', none, 'Yes', 'Overcharging ¥500, ticket GD1'],
      ['2026-03', 'T1', '王师傅', 'W1', '青岛一店', 3, 3, 35, 'Yes', '3 violations this month', 'No', none],
      ['2026-03', 'Total', '2 technicians', none, none, 4, none, 535, '1', none, '1', none],
    ]);
    expect(values(workbook.getWorksheet('Penalty lines')!)[1]).toEqual(['2026-03', '+1', HYPERLINK, '-5', '\t青岛二店', 'OVERCHARGE', 'Overcharging', 500, 'ticket GD1', at('2026-03-02 13:00'), 'Yes', none]);
  });

  it('comes out the same bytes when its text is built a few rows at a time (a national month is built in parts)', async () => {
    for (const rowsAtATime of [1, 2, 3]) {
      for (const file of DOWNLOADS) expect((await rendered(run, `penalties/${file}`, rowsAtATime)).equals(download(file)), `${file} by ${rowsAtATime}`).toBe(true);
    }
  });

  it('comes out the same bytes from the same rows', async () => {
    const again = await downloadsOf(await publishFixture('again'));
    for (const file of DOWNLOADS) expect(again.get(file)!.equals(download(file)), file).toBe(true);
  }, 60_000);
});

describe('the reasons as the downloads word them', () => {
  it('renders every reason code in both languages, several joined in order', async () => {
    const db = await fixtureDb({});
    await db.run(`delete from penalty_totals`);
    const row = (id: string, training: string | null, dismissal: string | null) =>
      `('2026-05', '${id}', 'W1', 1, 10, 1, ${training !== null}, ${dismissal !== null}, ${training === null ? 'null' : `'${training}'`}, ${dismissal === null ? 'null' : `'${dismissal}'`})`;
    await db.run(`insert into penalty_totals (month, technician_id, outlet_id, violations, amount, violations_ytd, training, dismissal_review, training_reason, dismissal_reason) values
      ${[
        row('T1', 'month:3;ytd:5:2026-05', 'after_training:2026-03'),
        row('T2', null, 'rule:OVERCHARGE:500:ticket:GD%3A1;top_complaint_rate:2'),
        row('T3', 'month:1', 'rule:FOUR_NOTS:100:revisit:HF1;rule:NEW%3ARULE:12.5:violation:V1;rule:TOP_COMPLAINT_RATE:100;rule:X:1:complaint:C1;later:9'),
      ].join(',\n')}`);
    await db.run(sqlFile('publish/macros.sql'));
    const reasons = await db.all(`select * from (${sqlFile('publish/penalty_reasons.sql')}) order by technician_id, lang desc`);
    expect(reasons).toEqual([
      { month: '2026-05', technician_id: 'T1', lang: 'zh', training_text: '本月违规 3 次；本年累计违规 5 次 (2026-05 达到)', dismissal_text: '培训后再犯 (2026-03 停工培训)' },
      { month: '2026-05', technician_id: 'T1', lang: 'en', training_text: '3 violations this month; 5 violations this year (threshold reached in 2026-05)', dismissal_text: 'violation after training (trained in 2026-03)' },
      { month: '2026-05', technician_id: 'T2', lang: 'zh', training_text: null, dismissal_text: '私收费、乱收费 500 元, 工单 GD:1；投诉率连续两月第一' },
      { month: '2026-05', technician_id: 'T2', lang: 'en', training_text: null, dismissal_text: 'Overcharging ¥500, ticket GD:1; highest complaint rate two months running' },
      {
        month: '2026-05', technician_id: 'T3', lang: 'zh', training_text: '本月违规 1 次',
        dismissal_text: '违反"四不"原则 100 元, 回访 HF1；NEW:RULE 12.5 元, 违规记录 V1；月度投诉率排名第一 100 元；X 1 元, 投诉 C1；later:9',
      },
      {
        month: '2026-05', technician_id: 'T3', lang: 'en', training_text: '1 violation this month',
        dismissal_text: 'Broke the four-nots rule ¥100, revisit HF1; NEW:RULE ¥12.5, violation record V1; Highest complaint rate of the month ¥100; X ¥1, complaint C1; later:9',
      },
    ]);
    db.close();
  });
});

/** One entry of a ZIP archive as the workbook writer stores it (sizes in the local header, deflated). */
function zipEntry(zip: Buffer, name: string): string {
  for (let offset = 0; zip.readUInt32LE(offset) === 0x04034b50; ) {
    const size = zip.readUInt32LE(offset + 18);
    const nameLength = zip.readUInt16LE(offset + 26);
    const start = offset + 30 + nameLength + zip.readUInt16LE(offset + 28);
    if (zip.toString('utf8', offset + 30, offset + 30 + nameLength) === name) return inflateRawSync(zip.subarray(start, start + size)).toString('utf8');
    offset = start + size;
  }
  throw new Error(`${name} not in the archive`);
}
