// The downloads: HR's penalty statements (penalties/<month>.csv, .xlsx, .en.csv, .en.xlsx), HR's
// settlement statements (settlement/<month>…) and each outlet's own (by_outlet/<folder>/settlement/
// <month>…). The publish writes their rows, one file per month and family:
//
//   download_rows/penalty_statement/<month>.parquet      the lines, each technician's subtotal, the total
//   download_rows/penalty_summary/<month>.parquet        one row per technician, the total
//   download_rows/settlement_statement/<month>.parquet   every outlet's statement, numbered for HR (n)
//                                                        and for the outlet alone (outlet_n)
//   download_rows/settlement_summary/<month>.parquet     one row per outlet, the total
//
// each row in both languages (lang), and the server renders a download from them when it is asked
// for (renderDownload): the CSV lines and worksheet rows built by DuckDB as text (workbook.ts), the
// same bytes a file written at publish time had. Writing every download at publish time was most of
// the publish at a million tickets (26,000 files; 23 s of its 37 s of CPU), while a download is read
// now and then: an outlet's statement renders in milliseconds, HR's month of penalty statements in
// well under a second. No access rule lists download_rows/: only the server reads it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { sqlFile, sqlString } from '../common/db.ts';
import { csvHeader, csvLine, type SheetColumn, sheetRow, xlsxBytes } from './workbook.ts';

export type Lang = 'zh' | 'en';

/** A download's column: the cell (workbook.ts) and its header in each language. */
export interface DownloadColumn extends SheetColumn {
  zh: string;
  en: string;
}

/** The first columns of both sheets of HR's penalty workbook: whose line or total it is. */
const PENALTY_WHOSE: DownloadColumn[] = [
  { name: 'month', kind: 'text', width: 9, zh: '月份', en: 'Month' },
  { name: 'technician_id', kind: 'text', width: 12, zh: '工号', en: 'Technician ID' },
  { name: 'technician_name', kind: 'text', width: 12, zh: '姓名', en: 'Name' },
  { name: 'outlet_id', kind: 'text', width: 10, zh: '网点', en: 'Outlet' },
  { name: 'outlet_name', kind: 'text', width: 20, zh: '网点名称', en: 'Outlet name' },
];

/** HR's penalty statement rows (queries/publish/penalty_statement.sql): the CSV and the first sheet. */
const PENALTY_STATEMENT: DownloadColumn[] = [
  ...PENALTY_WHOSE,
  { name: 'rule_id', kind: 'text', width: 20, zh: '规则', en: 'Rule' },
  { name: 'description', kind: 'text', width: 30, zh: '说明', en: 'Description' },
  { name: 'amount', kind: 'money', width: 12, zh: '金额', en: 'Amount' },
  { name: 'evidence', kind: 'text', width: 32, zh: '证据', en: 'Evidence' },
  { name: 'occurred_at', kind: 'time', width: 17, zh: '发生时间', en: 'Occurred at' },
  { name: 'dismissal_rule', kind: 'text', width: 10, zh: '除名项', en: 'Dismissal item' },
  { name: 'action', kind: 'text', width: 60, zh: '处理', en: 'Action' },
];

/** The technicians' totals (queries/publish/penalty_summary.sql): the second sheet of HR's penalty workbook. */
const PENALTY_SUMMARY: DownloadColumn[] = [
  ...PENALTY_WHOSE,
  { name: 'violations', kind: 'count', width: 10, zh: '违规次数', en: 'Violations' },
  { name: 'violations_ytd', kind: 'count', width: 12, zh: '本年累计违规', en: 'Violations this year' },
  { name: 'amount', kind: 'money', width: 12, zh: '金额', en: 'Amount' },
  { name: 'training', kind: 'text', width: 10, zh: '停工培训', en: 'Training' },
  { name: 'training_reason', kind: 'text', width: 40, zh: '培训原因', en: 'Training reason' },
  { name: 'dismissal_review', kind: 'text', width: 10, zh: '除名审核', en: 'Dismissal review' },
  { name: 'dismissal_reason', kind: 'text', width: 50, zh: '除名原因', en: 'Dismissal reason' },
];

/** The settlement statement rows (queries/publish/settlement_statement.sql): the CSV and the first sheet, HR's and an outlet's. */
const SETTLEMENT_STATEMENT: DownloadColumn[] = [
  { name: 'month', kind: 'text', width: 9, zh: '月份', en: 'Month' },
  { name: 'outlet_id', kind: 'text', width: 10, zh: '网点', en: 'Outlet' },
  { name: 'outlet_name', kind: 'text', width: 20, zh: '网点名称', en: 'Outlet name' },
  { name: 'item', kind: 'text', width: 12, zh: '项目', en: 'Item' },
  { name: 'service', kind: 'text', width: 12, zh: '服务类型', en: 'Service type' },
  { name: 'ticket_id', kind: 'text', width: 14, zh: '工单', en: 'Ticket' },
  { name: 'technician_id', kind: 'text', width: 12, zh: '工号', en: 'Technician ID' },
  { name: 'technician_name', kind: 'text', width: 12, zh: '工程师', en: 'Technician' },
  { name: 'completed_at', kind: 'time', width: 17, zh: '完工时间', en: 'Completed at' },
  { name: 'description', kind: 'text', width: 48, zh: '说明', en: 'Description' },
  { name: 'tickets', kind: 'count', width: 9, zh: '工单数', en: 'Tickets' },
  { name: 'amount', kind: 'money', width: 13, zh: '金额', en: 'Amount' },
  { name: 'withheld_fee', kind: 'money', width: 13, zh: '暂扣金额', en: 'Withheld fee' },
  { name: 'payment_due', kind: 'date', width: 12, zh: '付款截止日', en: 'Payment due' },
];

/** HR's outlets of the month (queries/publish/settlement_summary.sql): the second sheet of HR's settlement workbook. */
const SETTLEMENT_SUMMARY: DownloadColumn[] = [
  { name: 'month', kind: 'text', width: 9, zh: '月份', en: 'Month' },
  { name: 'outlet_id', kind: 'text', width: 10, zh: '网点', en: 'Outlet' },
  { name: 'outlet_name', kind: 'text', width: 20, zh: '网点名称', en: 'Outlet name' },
  { name: 'tier', kind: 'text', width: 12, zh: '网点级别', en: 'Tier' },
  { name: 'tickets_settled', kind: 'count', width: 10, zh: '结算工单数', en: 'Tickets settled' },
  { name: 'fees', kind: 'money', width: 13, zh: '结算金额', en: 'Fees' },
  { name: 'outlet_fines', kind: 'money', width: 13, zh: '罚款扣除', en: 'Fines deducted' },
  { name: 'net', kind: 'money', width: 13, zh: '应付净额', en: 'Net' },
  { name: 'tickets_withheld', kind: 'count', width: 10, zh: '暂扣工单数', en: 'Tickets withheld' },
  { name: 'withheld_fees', kind: 'money', width: 13, zh: '暂扣金额', en: 'Withheld fees' },
  { name: 'payment_due', kind: 'date', width: 12, zh: '付款截止日', en: 'Payment due' },
];

/** Each family of rows files: the view it is written from (on the publishing connection), its printed columns, the numbering kept beside them. */
const ROWS = {
  penalty_statement: { from: 'pub_penalty_statement', columns: PENALTY_STATEMENT, keys: ['lang', 'n', 'row_kind'] },
  penalty_summary: { from: 'pub_penalty_summary', columns: PENALTY_SUMMARY, keys: ['lang', 'n', 'row_kind'] },
  settlement_statement: { from: 'pub_settlement_statement', columns: SETTLEMENT_STATEMENT, keys: ['lang', 'n', 'outlet_n', 'row_kind'] },
  settlement_summary: { from: 'pub_settlement_summary', columns: SETTLEMENT_SUMMARY, keys: ['lang', 'n', 'row_kind'] },
} as const;

type RowsFamily = keyof typeof ROWS;

/** Where the rows files go: the run folder being written (run-folder.ts, which lists these files among a month's). */
interface RowsFolder {
  directory(dir: string): void;
  path(file: string): string;
}

const ROWS_ROOT = 'download_rows';

const rowsFile = (family: RowsFamily, month: string) => `${ROWS_ROOT}/${family}/${month}.parquet`;

/** The rows files of HR's penalty statements of a month. */
export const penaltyRowsFiles = (month: string) => [rowsFile('penalty_statement', month), rowsFile('penalty_summary', month)];

/** The rows files of the settlement statements of a month, HR's and every outlet's. */
export const settlementRowsFiles = (month: string) => [rowsFile('settlement_statement', month), rowsFile('settlement_summary', month)];

/**
 * Writes the month's rows of the families given, from their views, in the order they are printed.
 * Counts are stored as BIGINT (Parquet has no HUGEINT): the same text in a CSV and a worksheet.
 */
async function writeRows(connection: DuckDBConnection, folder: RowsFolder, families: RowsFamily[], month: string): Promise<void> {
  for (const family of families) {
    const { from, columns, keys } = ROWS[family];
    const printed = columns.filter((c) => !(keys as readonly string[]).includes(c.name)).map((c) => (c.kind === 'count' ? `${c.name}::bigint as ${c.name}` : c.name));
    folder.directory(`${ROWS_ROOT}/${family}`);
    await connection.run(
      `copy (select ${[...keys, ...printed].join(', ')} from ${from} where month = ${sqlString(month)} order by lang, n) to ${sqlString(folder.path(rowsFile(family, month)))} (format parquet)`,
    );
  }
}

/** HR's penalty statements of a month: their rows files (the views of statements.ts). */
export const writePenaltyRows = (connection: DuckDBConnection, folder: RowsFolder, month: string) => writeRows(connection, folder, ['penalty_statement', 'penalty_summary'], month);

/** The settlement statements of a month, HR's and every outlet's: their rows files (the tables of settlement.ts). */
export const writeSettlementRows = (connection: DuckDBConnection, folder: RowsFolder, month: string) => writeRows(connection, folder, ['settlement_statement', 'settlement_summary'], month);

/** A download's sheets: the rows family, its sheet name in each language, the rows' numbering and which rows are bold. */
interface SheetPlan {
  family: RowsFamily;
  name: Record<Lang, string>;
  number: 'n' | 'outlet_n';
  bold: string;
}

/** What a download path asks for, and how it is made (the first sheet is also the CSV). */
interface DownloadPlan {
  month: string;
  lang: Lang;
  format: 'csv' | 'xlsx';
  /** the outlet folder whose own statement it is (by_outlet/<folder>/settlement/…), else null */
  outletFolder: string | null;
  sheets: SheetPlan[];
}

const PENALTY_SHEETS: SheetPlan[] = [
  { family: 'penalty_statement', name: { zh: '罚款明细', en: 'Penalty lines' }, number: 'n', bold: `row_kind <> 'line'` },
  { family: 'penalty_summary', name: { zh: '汇总', en: 'Summary' }, number: 'n', bold: `row_kind = 'total'` },
];
const SETTLEMENT_SHEETS: SheetPlan[] = [
  { family: 'settlement_statement', name: { zh: '结算单', en: 'Statement' }, number: 'n', bold: `row_kind in ('outlet_total', 'total')` },
  { family: 'settlement_summary', name: { zh: '网点汇总', en: 'Outlets' }, number: 'n', bold: `row_kind = 'total'` },
];
const OUTLET_SETTLEMENT_SHEETS: SheetPlan[] = [{ family: 'settlement_statement', name: { zh: '结算单', en: 'Statement' }, number: 'outlet_n', bold: `row_kind = 'outlet_total'` }];

const DOWNLOAD_PATH = /^(?:(penalties|settlement)|by_outlet\/([^/]+)\/settlement)\/(\d{4}-\d{2})(\.en)?\.(csv|xlsx)$/;

/** The plan of a download path inside a run folder (penalties/2026-03.en.xlsx …), or null when the path is no download. */
export function downloadPlan(pathInRun: string): DownloadPlan | null {
  const match = DOWNLOAD_PATH.exec(pathInRun);
  if (match === null) return null;
  const [, family, outletFolder, month, en, format] = match;
  const sheets = family === 'penalties' ? PENALTY_SHEETS : family === 'settlement' ? SETTLEMENT_SHEETS : OUTLET_SETTLEMENT_SHEETS;
  return { month: month!, lang: en ? 'en' : 'zh', format: format as 'csv' | 'xlsx', outletFolder: outletFolder ?? null, sheets };
}

/**
 * Renders a download of the run folder from its rows files: the CSV (BOM, header, CRLF) or the
 * workbook, on a connection of its own to `instance` (an in-memory database serves: the rows come
 * from the files), with the macros the texts are built with (queries/publish/macros.sql). Null when
 * the run folder has no rows of it (a month not published, an outlet without a settlement row that
 * month): the same as a file that is not there. `folderOf` is the rule that names an outlet's folder
 * (the caller's: the server keeps its own copy).
 */
export async function renderDownload(
  instance: DuckDBInstance,
  runDir: string,
  plan: DownloadPlan,
  folderOf: (outletId: string) => string,
  rowsAtATime = ROWS_AT_A_TIME,
): Promise<Buffer | null> {
  const connection = await instance.connect();
  try {
    await connection.run(sqlFile('publish/macros.sql'));
    return await renderOn(connection, runDir, plan, folderOf, rowsAtATime);
  } finally {
    connection.closeSync();
  }
}

async function renderOn(connection: DuckDBConnection, runDir: string, plan: DownloadPlan, folderOf: (outletId: string) => string, rowsAtATime: number): Promise<Buffer | null> {
  const [first] = plan.sheets;
  const file = (sheet: SheetPlan) => join(runDir, rowsFile(sheet.family, plan.month));
  // a month this run folder does not have
  if (!plan.sheets.every((sheet) => existsSync(file(sheet)))) return null;
  let where = `lang = ${sqlString(plan.lang)}`;
  const params: DuckDBValue[] = [];
  if (plan.outletFolder !== null) {
    const ids = (await readRows(connection, `select distinct outlet_id from read_parquet(${sqlString(file(first!))}) where outlet_id is not null`)).map(([id]) => String(id));
    const outletId = ids.find((id) => folderOf(id) === plan.outletFolder);
    if (outletId === undefined) return null;
    where += ' and outlet_id = $1';
    params.push(outletId);
  }
  const texts: { csv: Buffer; rows: Buffer }[] = [];
  for (const sheet of plan.format === 'csv' ? [first!] : plan.sheets) {
    const text = await sheetTexts(connection, file(sheet), where, params, sheet, plan.format === 'xlsx', rowsAtATime);
    if (plan.outletFolder !== null && text === null) return null;
    texts.push(text ?? { csv: Buffer.alloc(0), rows: Buffer.alloc(0) });
  }
  const headers = (columns: DownloadColumn[]) => columns.map((c) => c[plan.lang]);
  if (plan.format === 'csv') return Buffer.concat([csvHeader(headers(ROWS[first!.family].columns)), texts[0]!.csv]);
  return xlsxBytes(plan.sheets.map((sheet, i) => ({ name: sheet.name[plan.lang], headers: headers(ROWS[sheet.family].columns), columns: ROWS[sheet.family].columns, rows: texts[i]!.rows })));
}

/**
 * Rows a query builds at a time: a national network's month of penalty statements is hundreds of
 * MB of worksheet XML, more than the renderer's memory in one aggregate (the bytes are the same).
 */
const ROWS_AT_A_TIME = 50_000;

/**
 * A sheet's CSV lines and worksheet rows (only when `worksheet` is true) of the rows `where` keeps,
 * built rowsAtATime rows at a time by their number; null when there is no row.
 */
async function sheetTexts(
  connection: DuckDBConnection,
  file: string,
  where: string,
  params: DuckDBValue[],
  sheet: SheetPlan,
  worksheet: boolean,
  rowsAtATime: number,
): Promise<{ csv: Buffer; rows: Buffer } | null> {
  const from = `read_parquet(${sqlString(file)})`;
  const [[count, low, high]] = (await readRows(connection, `select count(*), min(${sheet.number}), max(${sheet.number}) from ${from} where ${where}`, params)) as [DuckDBValue[]];
  if (Number(count) === 0) return null;
  const { columns } = ROWS[sheet.family];
  const csv: Buffer[] = [];
  const rows: Buffer[] = [];
  for (let start = Number(low); start <= Number(high); start += rowsAtATime) {
    const [[csvText, rowsText]] = (await readRows(
      connection,
      `select
        encode(coalesce(string_agg(${csvLine(columns)}, E'\\r\\n' order by ${sheet.number}) || E'\\r\\n', '')),
        ${worksheet ? `encode(coalesce(string_agg(${sheetRow(columns, sheet.bold)}, '' order by ${sheet.number}), ''))` : `''::blob`}
      from (select *, ${rareOf(columns)} as rare, (${sheet.number} + 1)::varchar as r from ${from}
        where ${where} and ${sheet.number} between ${start} and ${start + rowsAtATime - 1})`,
      params,
    )) as [DuckDBValue[]];
    csv.push(blob(csvText ?? null));
    rows.push(blob(rowsText ?? null));
  }
  return { csv: Buffer.concat(csv), rows: Buffer.concat(rows) };
}

async function readRows(connection: DuckDBConnection, sql: string, params: DuckDBValue[] = []): Promise<DuckDBValue[][]> {
  return (await connection.runAndReadAll(sql, params)).getRows();
}

function blob(value: DuckDBValue): Buffer {
  const bytes = (value as { bytes?: Uint8Array } | null)?.bytes;
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.alloc(0);
}

/**
 * xml_rare of a row as to_json of its text cells only: what xml_rare looks for is in a text or at its
 * ends, never in a number or a time, so it answers as for the whole row at a fraction of the cost.
 */
function rareOf(columns: SheetColumn[]): string {
  return `xml_rare(to_json({${columns.filter((c) => c.kind === 'text').map((c) => `'${c.name}': ${c.name}`).join(', ')}})::varchar)`;
}
