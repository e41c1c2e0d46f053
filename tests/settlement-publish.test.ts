// The outlets' settlement as published (spec 5.4, dashboard/DATA.md) on a tiny hand-worked fixture:
// the files of every month, HR's and each outlet's; the JSON rows equal settlement_totals with the
// service types and reasons; every withheld ticket with why (no call yet, calls not reached, calls
// only before completion), as of each month's end; the downloads as a spreadsheet reader sees them
// (csv-parse, exceljs): headers in each language, names, amounts as numbers, times and the payment
// date as dates, formula-looking text kept as text, each outlet's block summing to its net and the
// totals equal to settlement_totals, the tickets withheld since an earlier month one row per
// completion month; the same rows make the same bytes; and the months an incremental publish writes
// again. The withheld runs themselves: tests/settlement-withheld.test.ts.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import type { Db } from '../pipeline/common/db.ts';
import { publish, type RunInfo, settlementMonthFiles } from '../pipeline/publish/index.ts';
import { outletPath } from '../pipeline/publish/outlet-files.ts';
import { settlementMonths } from '../pipeline/publish/settlement.ts';
import { outletFilesOf, renderedOrNull, renderedOutletFileOrNull } from './downloads.ts';
import { fixtureDb, ticket } from './helpers.ts';

const FORMULA = '=SUM(1)';

/**
 * March 2026 at W1 (青岛一店): GD1 settled (install 80); GD2 withheld, its reached call only in April
 * (settled then); GD3 withheld, its one call not reached; GD4 withheld, its reached call before the
 * completion. W2 (a formula for a name): GD5 settled (consultation, fee 0), GD6 settled (repair 60)
 * and fined 10 × 50 for a verified overcharge: a negative net. April: GD7 settled at W1.
 */
async function fixture(): Promise<Db> {
  return fixtureDb({
    tickets: [
      ticket('GD1', { service_type: 'install' }),
      ticket('GD2', { completed_at: '2026-03-10 13:00:00' }),
      ticket('GD3', { completed_at: '2026-03-20 13:00:00' }),
      ticket('GD4', { service_type: 'maintenance', completed_at: '2026-03-25 14:00:00' }),
      ticket('GD5', { outlet_id: 'W2', technician_id: 'T2', service_type: 'consultation', completed_at: '2026-03-05 13:00:00' }),
      ticket('GD6', { outlet_id: 'W2', technician_id: 'T2', completed_at: '2026-03-06 13:00:00', fee_charged: 150, fee_standard: 100 }),
      ticket('GD7', { completed_at: '2026-04-01 13:00:00' }),
    ],
    revisits: [
      { revisit_id: 'R1', ticket_id: 'GD1', revisit_at: '2026-03-03 10:00:00' },
      { revisit_id: 'R2', ticket_id: 'GD2', revisit_at: '2026-04-02 10:00:00' },
      { revisit_id: 'R3', ticket_id: 'GD3', revisit_at: '2026-03-21 10:00:00', reached: false },
      { revisit_id: 'R4', ticket_id: 'GD4', revisit_at: '2026-03-25 10:00:00' },
      { revisit_id: 'R5', ticket_id: 'GD5', revisit_at: '2026-03-06 10:00:00' },
      { revisit_id: 'R6', ticket_id: 'GD6', revisit_at: '2026-03-07 10:00:00' },
      { revisit_id: 'R7', ticket_id: 'GD7', revisit_at: '2026-04-02 11:00:00' },
    ],
    complaints: [{ complaint_id: 'C1', ticket_id: 'GD6', received_at: '2026-03-08 09:00:00', category: 'overcharge' }],
    technicians: [
      { technician_id: 'T1', name: '王师傅', outlet_id: 'W1', status: 'active' },
      { technician_id: 'T2', name: '李师傅', outlet_id: 'W2', status: 'active' },
    ],
    outlets: [
      { outlet_id: 'W1', name: '青岛一店', tier: 'service_center', city: 'Qingdao' },
      { outlet_id: 'W2', name: FORMULA, tier: 'authorized', city: 'Qingdao' },
    ],
  });
}

function runInfo(runId: string): RunInfo {
  return { runId, startedAt: '2026-11-01 08:00:00', startedMs: performance.now(), files: [], config: defaultConfig() };
}

let work: string;
let run: string;
let months: string[];
let totals: Record<string, unknown>[];
/** Every settlement download the server renders from a run folder (HR's and W1's and W2's), by path */
let downloads: Map<string, Buffer>;

const DOWNLOAD_FILES = ['.csv', '.en.csv', '.xlsx', '.en.xlsx'];

/** An outlet's file of the run as the server renders it (outlet-rows.ts), parsed. */
async function own<T>(outlet: string, file: string, runDir = run): Promise<T> {
  return JSON.parse((await renderedOutletFileOrNull(runDir, outletPath(outlet, file)))!.toString('utf8')) as T;
}

async function downloadsOf(runDir: string): Promise<Map<string, Buffer>> {
  const paths = months.flatMap((m) => ['settlement', outletPath('W1', 'settlement'), outletPath('W2', 'settlement'), outletPath('W9', 'settlement')].flatMap((dir) => DOWNLOAD_FILES.map((f) => `${dir}/${m}${f}`)));
  const found = new Map<string, Buffer>();
  for (const path of paths) {
    const body = await renderedOrNull(runDir, path);
    if (body !== null) found.set(path, body);
  }
  return found;
}

function download(path: string): Buffer {
  const body = downloads.get(path);
  if (body === undefined) throw new Error(`no download ${path}`);
  return body;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sq-settlement-'));
  const db = await fixture();
  try {
    totals = await db.all(`select month, outlet_id, tickets_settled, fees::double as fees, outlet_fines::double as outlet_fines, net::double as net,
      tickets_withheld, withheld_fees::double as withheld_fees, strftime(payment_due, '%Y-%m-%d') as payment_due from settlement_totals order by month, outlet_id`);
    const manifest = await publish(db, join(work, 'first'), runInfo('20261101T080000-001'));
    run = join(work, 'first', manifest.folder);
    months = manifest.months;
    await publish(db, join(work, 'second'), runInfo('20261101T080000-001'));
    downloads = await downloadsOf(run);
  } finally {
    db.close();
  }
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const json = <T>(path: string): T => JSON.parse(readFileSync(join(run, path), 'utf8')) as T;

function csvRecords(path: string): string[][] {
  const bytes = download(path);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(bytes.toString('utf8')).toMatch(/\r\n$/);
  return parse(bytes, { bom: true, record_delimiter: '\r\n' }) as string[][];
}

async function workbook(path: string): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(download(path) as never);
  return book;
}

/** The cells of a sheet, row by row (exceljs: missing cells undefined, dates as Date). */
function values(sheet: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push(Array.from({ length: sheet.columnCount }, (_, i) => row.getCell(i + 1).value ?? undefined)));
  return rows;
}

/** A naive local time as exceljs reads an Excel date: the wall-clock fields in UTC, no zone shift. */
const at = (text: string) => new Date(`${text.replace(' ', 'T')}${text.length === 10 ? 'T00:00' : ''}Z`);

describe('the settlement files', () => {
  it('hold settlement_totals as hand-worked: withheld at each month\'s end, a fee of 0, a negative net, payment due 60 days after the month', () => {
    expect(months).toEqual(['2026-03', '2026-04']);
    expect(totals).toEqual([
      { month: '2026-03', outlet_id: 'W1', tickets_settled: 1, fees: 80, outlet_fines: 0, net: 80, tickets_withheld: 3, withheld_fees: 160, payment_due: '2026-05-31' },
      { month: '2026-03', outlet_id: 'W2', tickets_settled: 2, fees: 60, outlet_fines: 500, net: -440, tickets_withheld: 0, withheld_fees: 0, payment_due: '2026-05-31' },
      { month: '2026-04', outlet_id: 'W1', tickets_settled: 2, fees: 120, outlet_fines: 0, net: 120, tickets_withheld: 2, withheld_fees: 100, payment_due: '2026-06-30' },
    ]);
  });

  it('are there for every month, HR\'s and each outlet\'s (its downloads for the months it has a row)', async () => {
    for (const month of months) for (const file of settlementMonthFiles(month)) expect(existsSync(join(run, file)), file).toBe(true);
    // the outlets' files the server renders: each outlet's three, and no file of them on disk
    const settlementFiles = ['settlement.json', 'settlement_lines.json', 'settlement_withheld.json'];
    expect((await outletFilesOf(run)).filter((path) => settlementFiles.some((f) => path.endsWith(`/${f}`))).sort()).toEqual(['W1', 'W2'].flatMap((o) => settlementFiles.map((f) => outletPath(o, f))).sort());
    expect(existsSync(join(run, 'by_outlet'))).toBe(false);
    // no file of every outlet's lines: each outlet's are in its own folder
    expect(existsSync(join(run, 'settlement_lines'))).toBe(false);
    // the downloads the server renders: HR's every month, an outlet's the months it has a row (no W9)
    expect([...downloads.keys()].sort()).toEqual(
      [
        ...['2026-03', '2026-04'].flatMap((m) => DOWNLOAD_FILES.map((f) => `settlement/${m}${f}`)),
        ...['2026-03', '2026-04'].flatMap((m) => DOWNLOAD_FILES.map((f) => outletPath('W1', `settlement/${m}${f}`))),
        ...DOWNLOAD_FILES.map((f) => outletPath('W2', `settlement/2026-03${f}`)),
      ].sort(),
    );
  });

  it('give each outlet its settlement_totals row with its name, tier, and the tickets by service type, by why withheld and by completion month', async () => {
    const rows = json<Record<string, unknown>[]>('settlement/2026-03.json');
    const published = rows.map((r) => ({ month: r.month, outlet_id: r.outlet_id, tickets_settled: r.tickets_settled, fees: r.fees, outlet_fines: r.outlet_fines, net: r.net, tickets_withheld: r.tickets_withheld, withheld_fees: r.withheld_fees, payment_due: r.payment_due }));
    expect(published).toEqual(totals.filter((t) => t.month === '2026-03'));
    expect(rows.map((r) => [r.outlet_name, r.tier])).toEqual([['青岛一店', 'service_center'], [FORMULA, 'authorized']]);
    expect(rows[0]!.settled_by_service).toEqual([{ service_type: 'install', tickets: 1, fees: 80 }]);
    expect(rows[0]!.withheld_by_reason).toEqual([
      { withheld_reason: 'no_revisit', tickets: 1, fees: 60 },
      { withheld_reason: 'not_reached', tickets: 1, fees: 60 },
      { withheld_reason: 'revisit_before_completion', tickets: 1, fees: 40 },
    ]);
    expect(rows[0]!.withheld_by_completion_month).toEqual([{ completion_month: '2026-03', tickets: 3, fees: 160 }]);
    expect(rows[1]!.settled_by_service).toEqual([{ service_type: 'repair', tickets: 1, fees: 60 }, { service_type: 'consultation', tickets: 1, fees: 0 }]);
    expect(rows[1]!.withheld_by_reason).toEqual([]);
    expect(rows[1]!.withheld_by_completion_month).toEqual([]);
    // April: GD3 and GD4, completed in March, carried over
    const april = json<Record<string, unknown>[]>('settlement/2026-04.json');
    expect(april[0]!.withheld_by_completion_month).toEqual([{ completion_month: '2026-03', tickets: 2, fees: 100 }]);
    // an outlet's file: its rows of every month file, by month
    expect(await own<unknown[]>('W1', 'settlement.json')).toEqual([rows[0], april[0]]);
  });

  it("give each outlet the tickets settled, once each, and those withheld once per run of months in one state", async () => {
    const settled = async (outlet: string) => (await own<Record<string, unknown>[]>(outlet, 'settlement_lines.json')).map((r) => [r.settlement_month, r.ticket_id, r.fee, r.revisit_id]);
    expect(await settled('W1')).toEqual([
      ['2026-03', 'GD1', 80, 'R1'],
      ['2026-04', 'GD2', 60, 'R2'],
      ['2026-04', 'GD7', 60, 'R7'],
    ]);
    expect(await settled('W2')).toEqual([
      ['2026-03', 'GD5', 0, 'R5'],
      ['2026-03', 'GD6', 60, 'R6'],
    ]);
    const line = (await own<Record<string, unknown>[]>('W1', 'settlement_lines.json'))[0]!;
    expect(line).toEqual({ settlement_month: '2026-03', outlet_id: 'W1', ticket_id: 'GD1', line_id: 'SETTLE:GD1', technician_id: 'T1', technician_name: '王师傅', service_type: 'install', completed_at: '2026-03-02 13:00:00', revisit_id: 'R1', revisit_at: '2026-03-03 10:00:00', fee: 80 });
    const withheld = await own<Record<string, unknown>[]>('W1', 'settlement_withheld.json');
    expect(withheld.map((r) => [r.ticket_id, r.withheld_from, r.withheld_to, r.withheld_reason, r.calls, r.last_call_id, r.fee])).toEqual([
      // R2 reached the customer only in April: at March's end there was no call
      ['GD2', '2026-03', '2026-03', 'no_revisit', 0, null, 60],
      ['GD3', '2026-03', '2026-04', 'not_reached', 1, 'R3', 60],
      ['GD4', '2026-03', '2026-04', 'revisit_before_completion', 1, 'R4', 40],
    ]);
    expect(withheld[1]).toEqual({ outlet_id: 'W1', ticket_id: 'GD3', technician_id: 'T1', technician_name: '王师傅', service_type: 'repair', completed_at: '2026-03-20 13:00:00', fee: 60, withheld_from: '2026-03', withheld_to: '2026-04', withheld_reason: 'not_reached', calls: 1, last_call_id: 'R3', last_call_at: '2026-03-21 10:00:00' });
    expect(await own<unknown[]>('W2', 'settlement_withheld.json')).toEqual([]);
  });

  it("are rendered for an outlet from every month's file of its settlement rows, and as [] when there is no month", async () => {
    expect((await own<{ month: string }[]>('W1', 'settlement.json')).map((r) => r.month)).toEqual(months);
    const empty = join(work, 'no-settlement-month');
    cpSync(run, empty, { recursive: true });
    for (const month of months) rmSync(join(empty, 'outlet_rows', 'settlement', `${month}.parquet`));
    expect((await renderedOutletFileOrNull(empty, outletPath('W1', 'settlement.json')))!.toString('utf8')).toBe('[]\n');
  });

  it('come out the same bytes from the same rows', async () => {
    const second = join(work, 'second', 'runs', '20261101T080000-001');
    // (the outlets' settlement rows, a file a month, are among each month's settlement files)
    const files = [...months.flatMap(settlementMonthFiles), ...['settlement_withheld', 'technician_names'].map((f) => `outlet_rows/${f}.parquet`), ...months.map((m) => `tables/settlement_lines/${m}.parquet`)];
    expect(months.flatMap(settlementMonthFiles).filter((f) => f.startsWith('outlet_rows/'))).toEqual(months.map((m) => `outlet_rows/settlement/${m}.parquet`));
    for (const file of files) expect(readFileSync(join(second, file)).equals(readFileSync(join(run, file))), file).toBe(true);
    for (const path of await outletFilesOf(run)) expect((await renderedOutletFileOrNull(second, path))!.equals((await renderedOutletFileOrNull(run, path))!), path).toBe(true);
    const rendered = await downloadsOf(second);
    expect([...rendered.keys()]).toEqual([...downloads.keys()]);
    for (const [path, body] of rendered) expect(body.equals(download(path)), path).toBe(true);
    // the same bytes when the text is built two rows at a time (a national month is built in parts)
    for (const path of downloads.keys()) expect((await renderedOrNull(run, path, 2))!.equals(download(path)), `${path} by 2`).toBe(true);
  });
});

describe("HR's settlement download", () => {
  const header = ['月份', '网点', '网点名称', '项目', '服务类型', '工单', '工号', '工程师', '完工时间', '说明', '工单数', '金额', '暂扣金额', '付款截止日'];

  it('zh: each outlet\'s block (settled by service type, fines deducted, tickets withheld with why, its total), the month\'s total; formula-looking text quoted', () => {
    expect(csvRecords('settlement/2026-03.csv')).toEqual([
      header,
      ['2026-03', 'W1', '青岛一店', '结算', '安装', '', '', '', '', '', '1', '80.00', '', ''],
      ['2026-03', 'W1', '青岛一店', '暂扣', '维修', 'GD2', 'T1', '王师傅', '2026-03-10 13:00:00', '尚无回访', '', '', '60.00', ''],
      ['2026-03', 'W1', '青岛一店', '暂扣', '维修', 'GD3', 'T1', '王师傅', '2026-03-20 13:00:00', '回访未接通（回访 1 次，最近 R3 2026-03-21 10:00）', '', '', '60.00', ''],
      ['2026-03', 'W1', '青岛一店', '暂扣', '保养', 'GD4', 'T1', '王师傅', '2026-03-25 14:00:00', '回访早于完工（回访 1 次，最近 R4 2026-03-25 10:00）', '', '', '40.00', ''],
      ['2026-03', 'W1', '青岛一店', '网点合计', '', '', '', '', '', '结算 1 张，罚款 0 笔，暂扣 3 张', '1', '80.00', '160.00', '2026-05-31'],
      ['2026-03', 'W2', `'${FORMULA}`, '结算', '维修', '', '', '', '', '', '1', '60.00', '', ''],
      ['2026-03', 'W2', `'${FORMULA}`, '结算', '咨询', '', '', '', '', '', '1', '0.00', '', ''],
      ['2026-03', 'W2', `'${FORMULA}`, '罚款扣除', '', 'GD6', '', '', '', '乱收费投诉 C1，多收 50.00 元', '', '-500.00', '', ''],
      ['2026-03', 'W2', `'${FORMULA}`, '网点合计', '', '', '', '', '', '结算 2 张，罚款 1 笔，暂扣 0 张', '2', '-440.00', '0.00', '2026-05-31'],
      ['2026-03', '', '2 个网点', '合计', '', '', '', '', '', '结算 3 张，暂扣 3 张', '3', '-360.00', '160.00', '2026-05-31'],
    ]);
  });

  it('en: the same rows in English', () => {
    const rows = csvRecords('settlement/2026-03.en.csv');
    expect(rows[0]).toEqual(['Month', 'Outlet', 'Outlet name', 'Item', 'Service type', 'Ticket', 'Technician ID', 'Technician', 'Completed at', 'Description', 'Tickets', 'Amount', 'Withheld fee', 'Payment due']);
    expect(rows.map((r) => [r[3], r[4], r[9]])).toEqual([
      ['Item', 'Service type', 'Description'],
      ['Settled', 'Install', ''],
      ['Withheld', 'Repair', 'No revisit call yet'],
      ['Withheld', 'Repair', 'Revisit calls did not reach the customer (1 call, last R3 at 2026-03-21 10:00)'],
      ['Withheld', 'Maintenance', 'Revisit calls only before completion (1 call, last R4 at 2026-03-25 10:00)'],
      ['Outlet total', '', 'settled 1, fines 0, withheld 3'],
      ['Settled', 'Repair', ''],
      ['Settled', 'Consultation', ''],
      ['Fine deducted', '', 'overcharge complaint C1, overcharged ¥50.00'],
      ['Outlet total', '', 'settled 2, fines 1, withheld 0'],
      ['Total', '', 'settled 3, withheld 3'],
    ]);
    expect(rows.at(-1)![2]).toBe('2 outlets');
  });

  it('reads back with csv-parse: each outlet\'s amounts sum to its net, its withheld rows to its tickets and fees withheld, the totals are settlement_totals', () => {
    for (const { month, outlet } of totals.map((t) => ({ month: t.month as string, outlet: t.outlet_id as string }))) {
      const rows = parse(download(`settlement/${month}.csv`), { bom: true, columns: true }) as Record<string, string>[];
      const block = rows.filter((r) => r['网点'] === outlet);
      const total = block.find((r) => r['项目'] === '网点合计')!;
      const expected = totals.find((t) => t.month === month && t.outlet_id === outlet)!;
      expect(Number(total['金额'])).toBe(expected.net);
      expect(block.filter((r) => r !== total).reduce((sum, r) => sum + Number(r['金额'] || 0), 0)).toBe(expected.net);
      expect(Number(total['工单数'])).toBe(expected.tickets_settled);
      expect(Number(total['暂扣金额'])).toBe(expected.withheld_fees);
      // a withheld ticket of the month is a row, a carried-over row counts its tickets
      const carried = block.filter((r) => r['项目'] === '暂扣结转').reduce((sum, r) => sum + Number(r['工单数']), 0);
      expect(block.filter((r) => r['项目'] === '暂扣').length + carried).toBe(expected.tickets_withheld);
      expect(block.filter((r) => (r['项目'] ?? '').startsWith('暂扣')).reduce((sum, r) => sum + Number(r['暂扣金额']), 0)).toBe(expected.withheld_fees);
    }
  });

  it('workbook: the statement sheet with numbers, dates and plain text, and one row per outlet on the second', async () => {
    const book = await workbook('settlement/2026-03.xlsx');
    expect(book.worksheets.map((s) => s.name)).toEqual(['结算单', '网点汇总']);
    const sheet = book.getWorksheet('结算单')!;
    const rows = values(sheet);
    expect(rows[0]).toEqual(header);
    const none = undefined;
    expect(rows[3]).toEqual(['2026-03', 'W1', '青岛一店', '暂扣', '维修', 'GD3', 'T1', '王师傅', at('2026-03-20 13:00'), '回访未接通（回访 1 次，最近 R3 2026-03-21 10:00）', none, none, 60, none]);
    expect(rows[5]).toEqual(['2026-03', 'W1', '青岛一店', '网点合计', none, none, none, none, none, '结算 1 张，罚款 0 笔，暂扣 3 张', 1, 80, 160, at('2026-05-31')]);
    expect(rows[6]![2]).toBe(FORMULA);
    expect(rows.at(-1)).toEqual(['2026-03', none, '2 个网点', '合计', none, none, none, none, none, '结算 3 张，暂扣 3 张', 3, -360, 160, at('2026-05-31')]);
    sheet.eachRow((row) => row.eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)));
    expect([sheet.getCell('L2').numFmt, sheet.getCell('I3').numFmt, sheet.getCell('N6').numFmt]).toEqual(['"¥"#,##0.00', 'yyyy-mm-dd hh:mm', 'yyyy-mm-dd']);
    expect(sheet.getCell('N6').font?.bold).toBe(true);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });

    const summary = values(book.getWorksheet('网点汇总')!);
    expect(summary).toEqual([
      ['月份', '网点', '网点名称', '网点级别', '结算工单数', '结算金额', '罚款扣除', '应付净额', '暂扣工单数', '暂扣金额', '付款截止日'],
      ['2026-03', 'W1', '青岛一店', '服务中心', 1, 80, 0, 80, 3, 160, at('2026-05-31')],
      ['2026-03', 'W2', FORMULA, '特约维修点', 2, 60, 500, -440, 0, 0, at('2026-05-31')],
      ['2026-03', '合计', '2 个网点', none, 3, 140, 500, -360, 3, 160, at('2026-05-31')],
    ]);
  });
});

describe("an outlet's statement download", () => {
  it('is its own block of HR\'s statement, numbered from the top, in both languages', async () => {
    const hr = csvRecords('settlement/2026-03.csv');
    const own = csvRecords(outletPath('W2', 'settlement/2026-03.csv'));
    expect(own).toEqual([hr[0], ...hr.filter((r) => r[1] === 'W2')]);
    const en = csvRecords(outletPath('W2', 'settlement/2026-03.en.csv'));
    expect(en.map((r) => r[3])).toEqual(['Item', 'Settled', 'Settled', 'Fine deducted', 'Outlet total']);

    const book = await workbook(outletPath('W2', 'settlement/2026-03.en.xlsx'));
    expect(book.worksheets.map((s) => s.name)).toEqual(['Statement']);
    const rows = values(book.worksheets[0]!);
    expect(rows.map((r) => r[3])).toEqual(['Item', 'Settled', 'Settled', 'Fine deducted', 'Outlet total']);
    expect(rows.at(-1)).toEqual(['2026-03', 'W2', FORMULA, 'Outlet total', undefined, undefined, undefined, undefined, undefined, 'settled 2, fines 1, withheld 0', 2, -440, 0, at('2026-05-31')]);
    // W1's April statement: the ticket settled late; the two completed in March and still withheld
    // are carried over, one row
    const april = csvRecords(outletPath('W1', 'settlement/2026-04.csv'));
    expect(april.map((r) => [r[3], r[5], r[8], r[9], r[10], r[11], r[12]])).toEqual([
      ['项目', '工单', '完工时间', '说明', '工单数', '金额', '暂扣金额'],
      ['结算', '', '', '', '2', '120.00', ''],
      ['暂扣结转', '', '', '2026-03 完工，本月末仍暂扣', '2', '', '100.00'],
      ['网点合计', '', '', '结算 2 张，罚款 0 笔，暂扣 2 张', '2', '120.00', '100.00'],
    ]);
    const aprilEn = csvRecords(outletPath('W1', 'settlement/2026-04.en.csv'));
    expect(aprilEn[2]!.slice(3, 13)).toEqual(['Withheld, carried over', '', '', '', '', '', 'completed in 2026-03, still withheld at the month\'s end', '2', '', '100.00']);
    const aprilBook = await workbook(outletPath('W1', 'settlement/2026-04.xlsx'));
    expect(values(aprilBook.worksheets[0]!)[2]).toEqual(['2026-04', 'W1', '青岛一店', '暂扣结转', undefined, undefined, undefined, undefined, undefined, '2026-03 完工，本月末仍暂扣', 2, undefined, 100, undefined]);
  });
});

describe('an incremental publish', () => {
  it('writes the settlement of every month from the first it writes on (a month depends on the months before it)', () => {
    const all = ['2026-01', '2026-02', '2026-03', '2026-04'];
    expect(settlementMonths(all, [])).toEqual([]);
    expect(settlementMonths(all, ['2026-02'])).toEqual(['2026-02', '2026-03', '2026-04']);
    expect(settlementMonths(all, ['2026-04', '2026-02'])).toEqual(['2026-02', '2026-03', '2026-04']);
    expect(settlementMonths(all, all)).toEqual(all);
  });
});
