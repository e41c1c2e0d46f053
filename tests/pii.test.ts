// Nothing that can hold a customer's name, phone number or free text leaves the database. The
// real pipeline runs on exports as they come: columns the spec does not name (用户姓名, 客户手机,
// 投诉人, 投诉人电话, remarks), phone numbers in every spelling, and bad rows of every kind, in
// tickets, revisits and complaints, as CSV and as workbooks. Then every published byte, and every
// download as the server renders it, is read (gzip copies unpacked, Parquet through DuckDB,
// workbooks cell by cell) and searched for each name and each number, also as bare digits. The database keeps every rejected row, with its reason,
// line and raw line. And the one masking rule, on every spelling.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { listValue } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import { Db } from '../pipeline/common/db.ts';
import { outletFolderName } from '../pipeline/publish/outlet-files.ts';
import { runPipeline } from '../pipeline/run.ts';
import { outletFilesOf, rendered, renderedLinesPage, renderedOutletFileOrNull } from './downloads.ts';

/** The customers' names in the exports (none of them is anything else the pipeline publishes). */
const NAMES = ['张三丰', '李小四', '王五郎', '赵六娘', '钱七七', '孙八妹', '周九九', '吴十一'];

/** Every phone number in the exports, as written there. */
const PHONES = [
  '13312340001', '13812345678', '+86 137 1234 5670', '139 1111 2223', '13712340002', '138-1234-5679', '(+86)13512345672',
  '010-62345678', '137.2222.3334', '008613612345671', '13600136000', '13800138000', '13900139000', '13512340006',
  '(0755) 2345 6789', '13712340011', '139\u00011234 0012', '13712340014', '13712340015', '+86-137-1234-0016', '0086 137 1234 0017',
  '+8613712345678', '13912340007', '13712340008', '0086-137-1234-0009', '13512340010', '13812340012', '+86 137 1234 0015',
  '13512340021', '(+86)13512340011', '+86 137 1234 0012', '010-62340013',
  '13812342021', '13712342022', '138 1234 2023', '138-1234-2024', '(+86)13512342025', '010-62342026', '13612342027',
  '13712342031', '138-1234-2032', '13812342033', '13712342034', '0086-137-1234-2035', '13812342036', '１３５００１３５０００',
  '13912342041', '13512342042', '139 1234 2043',
];

const ticketHeader = '工单号,网点编号,工程师工号,服务类型,受理时间,完工时间,工单状态,实收金额,联系电话,用户姓名,客户手机,备注';
const revisitHeader = '回访编号,工单号,回访时间,是否接通,满意度,不满意原因,备注,用户姓名,客户手机';
const complaintHeader = '投诉编号,工单号,投诉时间,投诉类别,责任方,是否属实,投诉人,投诉人电话,投诉内容';
const done = '2026-03-01 09:00,2026-03-01 12:00,已完成,80';

// line by line, as an editor numbers them
const CSV_EXPORTS: Record<string, string[]> = {
  '工单_2026-03.csv': [
    '工单导出（操作员 钱七七 13312340001）',
    ticketHeader,
    `GD1,W1,T1,维修,${done},13812345678,张三丰,+86 137 1234 5670,请打 139 1111 2223 找王五郎`,
    'GD2,W1,T1,维修,请打13712340002,2026-03-01 12:00,已完成,80,138-1234-5679,李小四,(+86)13512345672,客户 李小四 说 010-62345678',
    'GD3,W1,T1,维修,2026-03-01 09:00,2026-03-01 12:00,已完成,八十元,137.2222.3334,赵六娘,008613612345671,',
    `GD4,W1,T1,维修,${done},,孙八妹,13600136000,"13800138000,13900139000",多出一列 孙八妹`,
    'GD5,W1,T1,维修,2026-03-01 09:00',
    'GD6,W1,T1,拆机,2026-03-01 09:00,2026-03-01 12:00,已完成,80,13512340006,周九九,,',
    'GD7,,T1,维修,2026-03-01 09:00,2026-03-01 12:00,已完成,80,,吴十一,(0755) 2345 6789,',
    `GD1,W1,T1,维修,${done},13812345678,张三丰,,`,
    `G\u0000D9,W1,T1,维修,${done},13712340011,王五郎,,`,
    `GD10,W1,T1,维修,${done},139\u00011234 0012,赵六娘,,`,
    ticketHeader,
    `GD12,W1,T1,维修,${done},13712340014,钱七七,"13712340015,说好的 未闭合`,
    'GD13,W1,T1,维修,2026-03-02 09:00,2026-03-02 12:00,已完成,80,+86-137-1234-0016,周九九,,回访请拨 0086 137 1234 0017',
    '合计,,,,,,,,,,,',
  ],
  '回访_2026-03.csv': [
    revisitHeader,
    'HF1,GD1,2026-03-02 10:00,是,满意,,请打 139 1111 2223 找王五郎,张三丰,+8613712345678',
    'HF2,GD1,2026-03-02 10:00,maybe,满意,,,李小四,138-1234-5679',
    'HF3,GD1,2026-03-02 25:00,是,满意,,,赵六娘,',
    'HF4,,2026-03-02 10:00,是,满意,,,孙八妹,13600136000',
    'HF1,GD1,2026-03-02 11:00,是,满意,,,张三丰,',
    'H\u0000F6,GD1,2026-03-02 10:00,是,满意,,,王五郎,',
    'HF7,GD1,2026-03-02 10:00,是,不满意,态度差\u0007 找 周九九 13912340007,,周九九,',
    'HF8,GD1,2026-03-02 10:00,是,不满意,态度差 李小四 13712340008,另一条 0086-137-1234-0009,李小四,',
    'HF9,GD1,2026-03-02 10:00,是,满意,,,吴十一,13512340010,多出一列',
    revisitHeader,
    'HF11,GD1,2026-03-02 10:00,是,还行 13812340012,,,钱七七,',
    'HF12,GD1,2026-03-02 10:00,否,,,"电话 13800138000,13900139000 都打不通; (0755) 2345 6789",赵六娘,',
    'HF13,GD1,2026-03-02 10:00,是,满意,"未闭合的 13712340014,王五郎',
    'HF14,GD1,2026-03-03 10:00,是,满意,,,周九九,+86 137 1234 0015',
    'HF15,GD1,2026-03-03 10:00',
    '总计：2,,,,,,,,',
  ],
  '投诉_2026-03.csv': [
    complaintHeader,
    'TS1,GD1,2026-03-03 09:00,服务态度,工程师,是,王五郎,139 1111 2223,"投诉人说请回电 13800138000,13900139000"',
    'TS2,GD1,昨天 13512340021,服务态度,工程师,是,李小四,138-1234-5679,',
    'TS3,GD1,2026-03-03 09:00,态度很差,工程师,是,赵六娘,,',
    'TS4,GD1,2026-03-03 09:00,服务态度,,是,孙八妹,13600136000,',
    'TS5,GD1,2026-03-03 09:00,服务态度,工程师,可能,周九九,,',
    'TS1,GD1,2026-03-03 10:00,服务态度,工程师,是,王五郎,,',
    'T\u0000S7,GD1,2026-03-03 09:00,服务态度,工程师,是,吴十一,,',
    'TS8,GD1,2026-03-03 09:00',
    complaintHeader,
    'TS10,GD1,2026-03-03 09:00,服务态度,工程师,是,钱七七,(+86)13512340011,"未闭合 找 钱七七',
    'TS11,GD1,2026-03-04 09:00,收费不合理,网点,是,张三丰,+86 137 1234 0012,客户 张三丰 010-62340013',
    'TS12,GD1,2026-03-04 09:00,服务态度,工程师,是,李小四,,,多出一列',
    ',,,,,,合计,,',
  ],
};

/** A date cell: the wall-clock time lives in the UTC fields. */
const april = (day: number, hour: number) => new Date(Date.UTC(2026, 3, day, hour, 0));
const ticketDone = () => [april(1, 9), april(1, 12), '已完成', 80];

// row by row from row 2 (the header is row 1); a NUL is written as Excel writes it, _x0000_
const XLSX_EXPORTS: Record<string, { sheet: string; header: string; rows: unknown[][] }> = {
  '工单_2026-04.xlsx': {
    sheet: '工单',
    header: ticketHeader,
    rows: [
      ['GD21', 'W1', 'T1', '维修', ...ticketDone(), 13812342021, '张三丰', 13712342022, '请打 139 1111 2223 找王五郎'],
      ['GD22', 'W1', 'T1', '维修', '请打 138 1234 2023', april(1, 12), '已完成', 80, '138-1234-2024', '李小四', '(+86)13512342025', '备注 010-62342026'],
      ['GD23', 'W1', 'T1', '维修', april(1, 9), april(1, 12), '已完成', '八十元', null, '赵六娘', null, null],
      ['GD24', 'W1', 'T1', '维修', ...ticketDone(), null, '孙八妹', 13612342027, null, '多出一列 孙八妹'],
      ['GD25', 'W1', 'T1', '拆机', ...ticketDone(), null, '周九九'],
      ['GD26', null, 'T1', '维修', ...ticketDone(), null, '吴十一'],
      ['GD21', 'W1', 'T1', '维修', ...ticketDone(), null, '张三丰'],
      ['G_x0000_D28', 'W1', 'T1', '维修', ...ticketDone(), null, '王五郎'],
      ticketHeader.split(','),
      ['合计'],
      ['GD31', 'W1', 'T1', '维修', april(2, 9), april(2, 12), '已完成', 80, null, '钱七七', null, '电话 １３５００１３５０００'],
    ],
  },
  '回访_2026-04.xlsx': {
    sheet: '回访',
    header: revisitHeader,
    rows: [
      ['HF21', 'GD21', april(2, 10), '是', '满意', null, '请打 139 1111 2223 找王五郎', '张三丰', 13712342031],
      ['HF22', 'GD21', april(2, 10), 'maybe', '满意', null, null, '李小四', '138-1234-2032'],
      ['HF23', 'GD21', '4月2日 13812342033', '是', '满意', null, null, '赵六娘'],
      ['HF24', null, april(2, 10), '是', '满意', null, null, '孙八妹'],
      ['HF21', 'GD21', april(2, 11), '是', '满意', null, null, '张三丰'],
      ['H_x0000_F26', 'GD21', april(2, 10), '是', '满意', null, null, '王五郎'],
      ['HF27', 'GD21', april(2, 10), '是', '不满意', '态度差 李小四 13712342034', '另一条 0086-137-1234-2035', '李小四'],
      revisitHeader.split(','),
      ['HF29', 'GD21', april(2, 10), '是', '满意', null, null, '吴十一', null, '多出一列'],
      ['HF30', 'GD21', april(2, 10), '是', '还行 13812342036', null, null, '钱七七'],
    ],
  },
  '投诉_2026-04.xlsx': {
    sheet: '投诉',
    header: complaintHeader,
    rows: [
      ['TS21', 'GD21', april(3, 9), '服务态度', '工程师', '是', '王五郎', 13912342041, '投诉人说请回电 13800138000,13900139000'],
      ['TS22', 'GD21', '昨天 13512342042', '服务态度', '工程师', '是', '李小四', '139 1234 2043'],
      ['TS23', 'GD21', april(3, 9), '态度很差', '工程师', '是', '赵六娘'],
      ['TS24', 'GD21', april(3, 9), '服务态度', null, '是', '孙八妹'],
      ['TS21', 'GD21', april(3, 10), '服务态度', '工程师', '是', '王五郎'],
      ['T_x0000_S26', 'GD21', april(3, 9), '服务态度', '工程师', '是', '吴十一'],
      complaintHeader.split(','),
      ['TS28', 'GD21', april(3, 9), '服务态度', '工程师', '是', '钱七七', null, null, '多出一列'],
      [null, null, null, null, null, null, '合计'],
    ],
  },
};

// [file, line, column, reason, value]: the value a sensitive column shows is ***, the phone
// numbers in any other are masked, an extra column never shows one
const R = (file: string, line: number, column: string | null, reason: string, value: string | null = null) => ({ file, line, column, reason, value });
const T3 = '工单_2026-03.csv';
const T4 = '工单_2026-04.xlsx';
const V3 = '回访_2026-03.csv';
const V4 = '回访_2026-04.xlsx';
const C3 = '投诉_2026-03.csv';
const C4 = '投诉_2026-04.xlsx';
const EXPECTED_REJECTS = [
  R(T3, 1, null, 'before_header'),
  R(T3, 4, 'created_at', 'invalid_timestamp', '请打***'),
  R(T3, 5, 'fee_charged', 'invalid_number', '八十元'),
  R(T3, 6, null, 'too_many_columns'),
  R(T3, 7, 'completed_at', 'too_few_columns'),
  R(T3, 8, 'service_type', 'unknown_value', '拆机'),
  R(T3, 9, 'outlet_id', 'missing_value'),
  R(T3, 10, 'ticket_id', 'duplicate_key', 'GD1'),
  R(T3, 11, 'ticket_id', 'control_character', 'G\uFFFDD9'),
  R(T3, 12, 'customer_phone', 'control_character', '***'),
  R(T3, 13, null, 'repeated_header'),
  R(T3, 14, null, 'unterminated_quote'),
  R(T3, 16, null, 'summary_row'),
  R(T4, 3, 'created_at', 'invalid_timestamp', '请打 ***'),
  R(T4, 4, 'fee_charged', 'invalid_number', '八十元'),
  R(T4, 5, null, 'too_many_columns'),
  R(T4, 6, 'service_type', 'unknown_value', '拆机'),
  R(T4, 7, 'outlet_id', 'missing_value'),
  R(T4, 8, 'ticket_id', 'duplicate_key', 'GD21'),
  R(T4, 9, 'ticket_id', 'control_character', 'G\uFFFDD28'),
  R(T4, 10, null, 'repeated_header'),
  R(T4, 11, null, 'summary_row'),
  R(V3, 3, 'reached', 'unknown_value', 'maybe'),
  R(V3, 4, 'revisit_at', 'invalid_timestamp', '2026-03-02 25:00'),
  R(V3, 5, 'ticket_id', 'missing_value'),
  R(V3, 6, 'revisit_id', 'duplicate_key', 'HF1'),
  R(V3, 7, 'revisit_id', 'control_character', 'H\uFFFDF6'),
  R(V3, 8, 'reason', 'control_character', '***'),
  R(V3, 9, 'reason', 'conflicting_values', '***'),
  R(V3, 10, null, 'too_many_columns'),
  R(V3, 11, null, 'repeated_header'),
  R(V3, 12, 'result', 'unknown_value', '还行 ***'),
  R(V3, 14, null, 'unterminated_quote'),
  R(V3, 16, 'reached', 'too_few_columns'),
  R(V3, 17, null, 'summary_row'),
  R(V4, 3, 'reached', 'unknown_value', 'maybe'),
  R(V4, 4, 'revisit_at', 'invalid_timestamp', '4月2日 ***'),
  R(V4, 5, 'ticket_id', 'missing_value'),
  R(V4, 6, 'revisit_id', 'duplicate_key', 'HF21'),
  R(V4, 7, 'revisit_id', 'control_character', 'H\uFFFDF26'),
  R(V4, 8, 'reason', 'conflicting_values', '***'),
  R(V4, 9, null, 'repeated_header'),
  R(V4, 10, null, 'too_many_columns'),
  R(V4, 11, 'result', 'unknown_value', '还行 ***'),
  R(C3, 3, 'received_at', 'invalid_timestamp', '昨天 ***'),
  R(C3, 4, 'category', 'unknown_value', '态度很差'),
  R(C3, 5, 'responsible', 'missing_value'),
  R(C3, 6, 'verified', 'unknown_value', '可能'),
  R(C3, 7, 'complaint_id', 'duplicate_key', 'TS1'),
  R(C3, 8, 'complaint_id', 'control_character', 'T\uFFFDS7'),
  R(C3, 9, 'category', 'too_few_columns'),
  R(C3, 10, null, 'repeated_header'),
  R(C3, 11, null, 'unterminated_quote'),
  R(C3, 13, null, 'too_many_columns'),
  R(C3, 14, null, 'summary_row'),
  R(C4, 3, 'received_at', 'invalid_timestamp', '昨天 ***'),
  R(C4, 4, 'category', 'unknown_value', '态度很差'),
  R(C4, 5, 'responsible', 'missing_value'),
  R(C4, 6, 'complaint_id', 'duplicate_key', 'TS21'),
  R(C4, 7, 'complaint_id', 'control_character', 'T\uFFFDS26'),
  R(C4, 8, null, 'repeated_header'),
  R(C4, 9, null, 'too_many_columns'),
  R(C4, 10, null, 'summary_row'),
];

/** A number's digits as they would be written without separators, and without +86/0086/86 for a mobile. */
function digitForms(phone: string): string[] {
  const digits = phone.normalize('NFKC').replace(/[^0-9]/g, '');
  const national = digits.replace(/^(0086|86)(?=1[3-9][0-9]{9}$)/, '');
  return [...new Set([digits, national])];
}

/** The text with what may stand between digits taken out (138-1234-5678 → 13812345678), full-width digits as ASCII. */
function compact(text: string): string {
  return text.normalize('NFKC').replace(/(?<=[0-9])[\u0000-\u001f\u007f\ufffd \-.()+]+(?=[0-9])/g, '');
}

/** The names and numbers of the exports that a text holds, in any spelling. */
function leaks(text: string): string[] {
  const bare = compact(text);
  return [
    ...NAMES.filter((n) => text.includes(n)),
    ...PHONES.filter((p) => text.includes(p) || digitForms(p).some((d) => bare.includes(d))),
  ];
}

let work: string;
let input: string;
let out: string;
let db: Db;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sq-pii-'));
  input = join(work, 'exports');
  out = join(work, 'out');
  mkdirSync(input);
  for (const [file, lines] of Object.entries(CSV_EXPORTS)) writeFileSync(join(input, file), lines.join('\n') + '\n');
  for (const [file, { sheet, header, rows }] of Object.entries(XLSX_EXPORTS)) {
    const workbook = new ExcelJS.Workbook();
    const worksheet = workbook.addWorksheet(sheet);
    worksheet.addRow(header.split(','));
    for (const row of rows) worksheet.addRow(row);
    await workbook.xlsx.writeFile(join(input, file));
  }
  await runPipeline({ input, db: join(work, 'w.duckdb'), out, config: defaultConfig() });
  db = await Db.open(join(work, 'w.duckdb'));
}, 120_000);

afterAll(() => {
  db?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Every file under a folder, with its path relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

/** Published bytes as text: JSON and CSV as they are, gzip unpacked, Parquet and workbooks value by value. */
async function publishedText(name: string, bytes: () => Buffer, path?: string): Promise<string> {
  switch (extname(name)) {
    case '.gz':
      return gunzipSync(bytes()).toString('utf8');
    case '.parquet': {
      if (path === undefined) throw new Error(`${name}: Parquet is read from its file`);
      const rows = await db.all(`select * from read_parquet($1)`, [path]);
      return rows.map((r) => Object.values(r).map((v) => (v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v))).join('\u0001')).join('\n');
    }
    case '.xlsx': {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(bytes() as never); // exceljs's own Buffer type
      const cells: string[] = [];
      workbook.eachSheet((sheet) => {
        cells.push(sheet.name);
        sheet.eachRow((row) => row.eachCell((cell) => cells.push(String(cell.text))));
      });
      return cells.join('\u0001');
    }
    default:
      return bytes().toString('utf8');
  }
}

/** The months a family of download rows files of a run folder has (download_rows/<family>/<month>.parquet). */
function rowsMonths(runDir: string, family: string): string[] {
  const dir = join(runDir, 'download_rows', family);
  return existsSync(dir) ? readdirSync(dir).filter((f) => /^\d{4}-\d{2}\.parquet$/.test(f)).map((f) => f.slice(0, 7)).sort() : [];
}

/**
 * Every download of a run folder, as the server renders it (tests/downloads.ts): HR's penalty and
 * settlement statements of every month with rows files, in both languages and both formats, every
 * outlet's settlement statement of each month it has rows of, every file of the outlets' folders, and
 * HR's statement lines of every month.
 */
async function renderedDownloads(runDir: string): Promise<{ path: string; body: Buffer }[]> {
  const variants = ['.csv', '.xlsx', '.en.csv', '.en.xlsx'];
  const paths: string[] = [];
  for (const month of rowsMonths(runDir, 'penalty_lines')) paths.push(...variants.map((v) => `penalties/${month}${v}`));
  for (const month of rowsMonths(runDir, 'settlement_totals')) {
    paths.push(...variants.map((v) => `settlement/${month}${v}`));
    // an outlet with a row in the month's statement: a settlement row, a fine or a ticket withheld
    const inputs = ['settlement_totals', 'settlement_withheld', 'outlet_fines'].map((input) => join(runDir, 'download_rows', input, `${month}.parquet`));
    const outlets = await db.all(`select distinct outlet_id from read_parquet([$1, $2, $3], union_by_name = true) where outlet_id is not null order by outlet_id`, inputs);
    for (const { outlet_id } of outlets) paths.push(...variants.map((v) => `by_outlet/${outletFolderName(String(outlet_id))}/settlement/${month}${v}`));
  }
  const downloads: { path: string; body: Buffer }[] = [];
  for (const path of paths) downloads.push({ path, body: await rendered(runDir, path) });
  // and every file of the outlets' folders, rendered from outlet_rows/, and HR's statement lines of every month
  for (const path of await outletFilesOf(runDir)) downloads.push({ path, body: (await renderedOutletFileOrNull(runDir, path))! });
  for (const month of rowsMonths(runDir, 'penalty_lines')) downloads.push({ path: `penalty_lines/${month}.json`, body: (await renderedLinesPage(runDir, month))! });
  return downloads;
}

describe('mask_phone_numbers', () => {
  it('masks a phone number in every spelling, and numbers next to each other', async () => {
    const spellings = [
      ['13812345678', '***'],
      ['+8613712345678', '***'],
      ['8613712345678', '***'],
      ['008613712345678', '***'],
      ['+86 137 1234 5678', '***'],
      ['0086-137-1234-5678', '***'],
      ['(+86)13712345678', '***'],
      ['（+86）137 1234 5678', '***'],
      ['138-1234-5679', '***'],
      ['139 1111 2223', '***'],
      ['138.1234.5678', '***'],
      ['１３８１２３４５６７８', '***'],
      ['010-12345678', '***'],
      ['0755-1234567', '***'],
      ['(010)12345678', '***'],
      ['(0755) 1234 5678', '***'],
      ['021 6123 4567', '***'],
      ['+86 10 1234 5678', '***'],
      ['+86-755-12345678', '***'],
      ['请打 139 1111 2223 找王五', '请打 *** 找王五'],
      ['电话13800138000转8', '电话***转8'],
      ['tel:13800138000;', 'tel:***;'],
      ['13800138000,13900139000', '***,***'],
      ['13800138000 13900139000', '*** ***'],
      ['13800138000、13900139000、13700137000', '***、***、***'],
      ['010-12345678/13800138000', '***/***'],
    ];
    const rows = await db.all(`select v, mask_phone_numbers(v) as masked from unnest($1::varchar[]) with ordinality as t(v, n) order by n`, [
      listValue(spellings.map(([v]) => v!)),
    ]);
    expect(rows.map((r) => [r.v, r.masked])).toEqual(spellings);
  });

  it('leaves what only looks like digits alone: timestamps, amounts, ids, serial day numbers, hotlines', async () => {
    const values = ['2026-03-05 14:07:00', '2026-13-45 25:00', '2026/3/5 14:07', '20260305140700', '46086.5881944444', '1,380.00', '120元',
      'GD20260305000123', 'T0009', '0000012345', '400-820-8820', '1380013800', '138001380001', null];
    const rows = await db.all(`select v, mask_phone_numbers(v) as masked from unnest($1::varchar[]) with ordinality as t(v, n) order by n`, [listValue(values)]);
    expect(rows.map((r) => r.masked)).toEqual(values);
  });
});

describe('a run on exports that carry customers’ names, phone numbers and remarks', () => {
  it('keeps every rejected row in the database, with its line, column, reason and raw line', async () => {
    expect(await db.all(`select file, line, "column", reason, value from load_rejects order by file, line`)).toEqual(
      [...EXPECTED_REJECTS].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line)),
    );
    expect(await db.all(`select file_name, rows_read, rows_loaded, rows_rejected from load_batches order by batch_id`)).toEqual([
      { file_name: T3, rows_read: 15, rows_loaded: 2, rows_rejected: 13 },
      { file_name: T4, rows_read: 11, rows_loaded: 2, rows_rejected: 9 },
      { file_name: V3, rows_read: 16, rows_loaded: 3, rows_rejected: 13 },
      { file_name: V4, rows_read: 10, rows_loaded: 1, rows_rejected: 9 },
      { file_name: C3, rows_read: 13, rows_loaded: 2, rows_rejected: 11 },
      { file_name: C4, rows_read: 9, rows_loaded: 1, rows_rejected: 8 },
    ]);
    // the raw line is the operator's, in the database: names as they are, phone numbers masked
    expect(await db.all(`select file, line, raw_line from load_rejects where (file, line) in (('工单_2026-03.csv', 4), ('回访_2026-03.csv', 9)) order by file`)).toEqual([
      { file: V3, line: 9, raw_line: 'HF8,GD1,2026-03-02 10:00,是,不满意,态度差 李小四 ***,另一条 ***,李小四,' },
      { file: T3, line: 4, raw_line: 'GD2,W1,T1,维修,请打***,2026-03-01 12:00,已完成,80,***,李小四,***,客户 李小四 说 ***' },
    ]);
    expect(await db.value(`select count(*) from load_rejects where raw_line is null`)).toBe(0);
    expect(await db.all(`select distinct file, column_name from load_extra_columns order by file, column_name`)).toEqual([
      { file: V3, column_name: '备注' }, { file: V3, column_name: '客户手机' }, { file: V3, column_name: '用户姓名' },
      { file: V4, column_name: '备注' }, { file: V4, column_name: '客户手机' }, { file: V4, column_name: '用户姓名' },
      { file: T3, column_name: '备注' }, { file: T3, column_name: '客户手机' }, { file: T3, column_name: '用户姓名' },
      { file: T4, column_name: '备注' }, { file: T4, column_name: '客户手机' }, { file: T4, column_name: '用户姓名' },
      { file: C3, column_name: '投诉人' }, { file: C3, column_name: '投诉人电话' }, { file: C3, column_name: '投诉内容' },
      { file: C4, column_name: '投诉人' }, { file: C4, column_name: '投诉人电话' }, { file: C4, column_name: '投诉内容' },
    ]);
  });

  it('finds every name and number it looks for in the exports and in the database (the search works)', async () => {
    const exports = Object.values(CSV_EXPORTS).flat().join('\n') + JSON.stringify(Object.values(XLSX_EXPORTS));
    expect(leaks(exports).sort()).toEqual([...NAMES, ...PHONES].sort());
    const stored = (await db.all(`select raw_line from load_rejects union all select reason from revisits`)).map((r) => String(r.raw_line)).join('\n');
    expect(leaks(stored)).toEqual(expect.arrayContaining(['李小四', '王五郎', '139 1111 2223']));
  });

  it('publishes no customer name and no phone number, in any spelling, in any file or download', async () => {
    const files = filesUnder(out);
    // every kind of file is read as what it is
    expect(files.filter((f) => !['.json', '.gz', '.csv', '.parquet', '.xlsx'].includes(extname(f)))).toEqual([]);
    expect(
      files.filter((f) => /quality\.json$|load_rejects\.parquet$|load_extra_columns\.parquet$|download_rows\/penalty_lines\/2026-03\.parquet$|download_rows\/penalty_totals\/2026-03\.parquet$/.test(f)).length,
    ).toBe(5);
    const found: Record<string, string[]> = {};
    for (const file of files) {
      const path = join(out, file);
      const hits = leaks(await publishedText(file, () => readFileSync(path), path));
      if (hits.length) found[file] = hits;
    }
    // the downloads are no files: the server renders them from download_rows/, on request
    const runs = readdirSync(join(out, 'runs')).filter((d) => statSync(join(out, 'runs', d)).isDirectory());
    expect(runs.length).toBeGreaterThan(0);
    const downloads: Record<string, string> = {};
    for (const run of runs) {
      for (const { path, body } of await renderedDownloads(join(out, 'runs', run))) {
        const name = `runs/${run}/${path} (rendered)`;
        expect(body.length, name).toBeGreaterThan(0);
        downloads[name] = await publishedText(path, () => body);
        const hits = leaks(downloads[name]);
        if (hits.length) found[name] = hits;
      }
    }
    // HR's statements of the month in both languages and formats, and the outlet's own, read as what they are
    const downloadsMatching = (pattern: RegExp) => Object.entries(downloads).filter(([name]) => pattern.test(name));
    expect(downloadsMatching(/\/penalties\/2026-03(\.en)?\.(csv|xlsx) \(rendered\)$/).length).toBe(4);
    expect(downloadsMatching(/^runs\/[^/]+\/settlement\/2026-03(\.en)?\.(csv|xlsx) \(rendered\)$/).length).toBe(4);
    expect(downloadsMatching(/\/by_outlet\/W1\/settlement\/2026-03(\.en)?\.(csv|xlsx) \(rendered\)$/).length).toBe(4);
    expect(downloadsMatching(/\/by_outlet\/W1\/[a-z_]+\.json \(rendered\)$/).length).toBe(10);
    expect(downloadsMatching(/\/by_outlet\/W1\/technicians\.json /)[0]![1]).toContain('"outlet_id":"W1"');
    expect(downloadsMatching(/\/penalties\/2026-03\.csv /)[0]![1]).toContain('月份,工号,姓名');
    expect(downloadsMatching(/\/penalties\/2026-03\.en\.xlsx /)[0]![1]).toContain('Penalty lines');
    expect(found).toEqual({});
  });

  it('publishes of each rejected row its file, line, column, reason and shown value, never its raw line', async () => {
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const run = join(out, manifest.folder);
    const quality = JSON.parse(readFileSync(join(run, 'quality.json'), 'utf8'));
    const byFileLine = (a: { file: string; line: number }, b: { file: string; line: number }) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line);
    expect(quality.rejects).toEqual([...EXPECTED_REJECTS].sort(byFileLine));
    const parquet = join(run, 'tables', 'load_rejects.parquet');
    expect((await db.all(`select column_name from (describe select * from read_parquet($1))`, [parquet])).map((r) => r.column_name)).toEqual([
      'batch_id', 'file', 'line', 'column', 'reason', 'value',
    ]);
    expect(await db.all(`select file, line, "column", reason, value from read_parquet($1) order by file, line`, [parquet])).toEqual([...EXPECTED_REJECTS].sort(byFileLine));
  });
});
