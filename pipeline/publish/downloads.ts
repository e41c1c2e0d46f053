// The downloads: HR's penalty statements (penalties/<month>.csv, .xlsx, .en.csv, .en.xlsx), HR's
// settlement statements (settlement/<month>…) and each outlet's own (by_outlet/<folder>/settlement/
// <month>…). The publish writes what their rows are made from, the month's rows of each table the
// statements' SQL reads, one file per month and input:
//
//   download_rows/penalty_lines/<month>.parquet        penalty_lines of the month
//   download_rows/penalty_totals/<month>.parquet       the technicians' totals with their names (pub_penalty_totals)
//   download_rows/penalty_reasons/<month>.parquet      the flags' reasons, worded (pub_penalty_reasons)
//   download_rows/technician_names/<month>.parquet     id and name of the technicians of the month's lines
//   download_rows/outlet_names/<month>.parquet         id and name of their outlets
//   download_rows/settlement_totals/<month>.parquet    every outlet's settlement (pub_settlement_totals)
//   download_rows/settlement_withheld/<month>.parquet  the tickets whose first month withheld it is
//   download_rows/outlet_fines/<month>.parquet         outlet_penalty_lines of the month
//
// and the server makes a download when it is asked for (renderDownload): the statement's rows by the
// publish's SQL (queries/publish/penalty_statement.sql and the others) over the month's inputs,
// then the CSV lines and worksheet rows built by DuckDB as text (workbook.ts), the same bytes a file
// written at publish time had. Writing every download at publish time was most of the publish at a
// million tickets (26,000 files; 23 s of its 37 s of CPU), and writing the rows of every statement
// in both languages was still a fifth of it, while a download is read now and then: an outlet's
// statement renders in milliseconds, HR's month of penalty statements in well under a second. No
// access rule lists download_rows/: only the server reads it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBValue } from '@duckdb/node-api';
import { parquetColumns, sqlFile, sqlString } from '../common/db.ts';
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

/** Each statement's rows: the SQL that makes them, their printed columns, the numbering kept beside them. */
const ROWS = {
  penalty_statement: { query: 'publish/penalty_statement.sql', columns: PENALTY_STATEMENT, keys: ['lang', 'n', 'row_kind'] },
  penalty_summary: { query: 'publish/penalty_summary.sql', columns: PENALTY_SUMMARY, keys: ['lang', 'n', 'row_kind'] },
  settlement_statement: { query: 'publish/settlement_statement.sql', columns: SETTLEMENT_STATEMENT, keys: ['lang', 'n', 'outlet_n', 'row_kind'] },
  settlement_summary: { query: 'publish/settlement_summary.sql', columns: SETTLEMENT_SUMMARY, keys: ['lang', 'n', 'row_kind'] },
} as const;

type RowsFamily = keyof typeof ROWS;

/**
 * Row groups of the Parquet files the server reads one outlet's rows from (these penalty lines, and
 * settlement_lines: data-files.ts): written in outlet order, an outlet's rows of a month are a row
 * group or two of this size, where DuckDB's default (122,880 rows) made it read many times as much.
 */
export const OUTLET_READ_ROW_GROUP = 16_384;

/**
 * The inputs of each kind of statement: a file per month (download_rows/<file>/<month>.parquet), the
 * name the statements' SQL reads it by, and its month's rows on the publishing connection (where
 * pub_penalty_totals, pub_penalty_reasons and the settlement's tables are: statements.ts,
 * settlement.ts). `$month` is the month written. In a total order: the same rows are the same
 * bytes, which an incremental publish relies on.
 */
const INPUTS = {
  penalty: [
    // by outlet (line_id is unique in a month), in small row groups: every outlet's statement lines are
    // rendered from these files too (outlet-rows.ts), an outlet's rows a row group or two a month
    { file: 'penalty_lines', name: 'penalty_lines', rows: 'select * from penalty_lines where month = $month', order: 'outlet_id, line_id', rowGroupSize: OUTLET_READ_ROW_GROUP },
    { file: 'penalty_totals', name: 'pub_penalty_totals', rows: 'select * from pub_penalty_totals where month = $month', order: 'technician_id, outlet_id' },
    { file: 'penalty_reasons', name: 'pub_penalty_reasons', rows: 'select * from pub_penalty_reasons where month = $month', order: 'technician_id, lang' },
    {
      file: 'technician_names',
      name: 'stg_technicians',
      rows: 'select technician_id, name from stg_technicians where technician_id in (select technician_id from penalty_lines where month = $month)',
      order: 'technician_id, name',
    },
    {
      file: 'outlet_names',
      name: 'stg_outlets',
      rows: 'select outlet_id, name from stg_outlets where outlet_id in (select outlet_id from penalty_lines where month = $month)',
      order: 'outlet_id, name',
    },
  ],
  settlement: [
    { file: 'settlement_totals', name: 'pub_settlement_totals', rows: 'select * from pub_settlement_totals where month = $month', order: 'outlet_id' },
    // the run's state, not how long it lasts (withheld_to): that changes with later months, which
    // the settlement files of this month do not wait for (settlementMonths in settlement.ts)
    {
      file: 'settlement_withheld',
      name: 'pub_settlement_withheld',
      rows: `select outlet_id, ticket_id, technician_id, technician_name, service_type, completed_at, fee, withheld_from, withheld_reason, calls, last_call_id, last_call_at
        from pub_settlement_withheld where withheld_from = $month`,
      order: 'outlet_id, ticket_id',
    },
    { file: 'outlet_fines', name: 'outlet_penalty_lines', rows: 'select * from outlet_penalty_lines where month = $month', order: 'line_id' },
  ],
} as const;

type StatementKind = keyof typeof INPUTS;

/** Where the rows files go: the run folder being written (run-folder.ts, which lists these files among a month's). */
interface RowsFolder {
  directory(dir: string): void;
  path(file: string): string;
}

const ROWS_ROOT = 'download_rows';

const inputFile = (file: string, month: string) => `${ROWS_ROOT}/${file}/${month}.parquet`;

/** The folder of the months' penalty lines among the inputs (penaltyLinesInput). */
export const PENALTY_LINES_INPUTS = `${ROWS_ROOT}/penalty_lines`;

/** The month's penalty lines among the inputs (statements.ts makes HR's statement lines page of them too). */
export const penaltyLinesInput = (month: string) => inputFile('penalty_lines', month);

/** The input files of a kind of statement of a month. */
const inputFiles = (kind: StatementKind, month: string) => INPUTS[kind].map((input) => inputFile(input.file, month));

/** The rows files of HR's penalty statements of a month. */
export const penaltyRowsFiles = (month: string) => inputFiles('penalty', month);

/** The rows files of the settlement statements of a month, HR's and every outlet's. */
export const settlementRowsFiles = (month: string) => inputFiles('settlement', month);

/** Writes the month's inputs of a kind of statement (their columns as Parquet keeps them: parquetColumns). */
async function writeInputs(connection: DuckDBConnection, folder: RowsFolder, kind: StatementKind, month: string): Promise<void> {
  for (const input of INPUTS[kind]) {
    const rows = `(${input.rows.replaceAll('$month', sqlString(month))})`;
    folder.directory(`${ROWS_ROOT}/${input.file}`);
    const rowGroups = 'rowGroupSize' in input ? `, row_group_size ${input.rowGroupSize}` : '';
    await connection.run(`copy (select ${await parquetColumns(connection, rows)} from ${rows} order by ${input.order}) to ${sqlString(folder.path(inputFile(input.file, month)))} (format parquet${rowGroups})`);
  }
}

/** HR's penalty statements of a month: their inputs (the tables of statements.ts). */
export const writePenaltyRows = (connection: DuckDBConnection, folder: RowsFolder, month: string) => writeInputs(connection, folder, 'penalty', month);

/** The settlement statements of a month, HR's and every outlet's: their inputs (the tables of settlement.ts). */
export const writeSettlementRows = (connection: DuckDBConnection, folder: RowsFolder, month: string) => writeInputs(connection, folder, 'settlement', month);

/** A download's sheets: the rows family, its sheet name in each language, the rows' numbering and which rows are bold. */
interface SheetPlan {
  family: RowsFamily;
  name: Record<Lang, string>;
  number: 'n' | 'outlet_n';
  bold: string;
}

/** What a download path asks for, and how it is made (the first sheet is also the CSV). */
interface DownloadPlan {
  kind: StatementKind;
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
  return { kind: family === 'penalties' ? 'penalty' : 'settlement', month: month!, lang: en ? 'en' : 'zh', format: format as 'csv' | 'xlsx', outletFolder: outletFolder ?? null, sheets };
}

/**
 * Renders a download of the run folder from its rows files: the statement's rows by the publish's
 * SQL over the month's inputs, then the CSV (BOM, header, CRLF) or the workbook, on a connection of
 * its own to `instance` (an in-memory database serves: the rows come from the files), with the
 * macros the texts are built with (queries/publish/macros.sql). Null when the run folder has no rows
 * of it (a month not published, an outlet without a settlement row that month): the same as a file
 * that is not there. `folderOf` is the rule that names an outlet's folder (the caller's: the server
 * keeps its own copy).
 */
export async function renderDownload(
  instance: DuckDBInstance,
  runDir: string,
  plan: DownloadPlan,
  folderOf: (outletId: string) => string,
  rowsAtATime = ROWS_AT_A_TIME,
): Promise<Buffer | null> {
  if (!withSharedMacros.has(instance)) {
    // a failure is this render's; the next one tries again
    withSharedMacros.set(instance, sharedMacros(instance).catch((e: unknown) => {
      withSharedMacros.delete(instance);
      throw e;
    }));
  }
  await withSharedMacros.get(instance);
  const connection = await instance.connect();
  try {
    await connection.run(sqlFile('publish/macros.sql'));
    return await renderOn(connection, runDir, plan, folderOf, rowsAtATime);
  } finally {
    connection.closeSync();
  }
}

/** The databases given the build's macros (queries/macros.sql: month_of, which the statements use), once each. */
const withSharedMacros = new WeakMap<DuckDBInstance, Promise<void>>();

async function sharedMacros(instance: DuckDBInstance): Promise<void> {
  const connection = await instance.connect();
  try {
    await connection.run(sqlFile('macros.sql'));
  } finally {
    connection.closeSync();
  }
}

async function renderOn(connection: DuckDBConnection, runDir: string, plan: DownloadPlan, folderOf: (outletId: string) => string, rowsAtATime: number): Promise<Buffer | null> {
  const inputs = INPUTS[plan.kind].map((input) => ({ ...input, path: join(runDir, inputFile(input.file, plan.month)) }));
  // a month this run folder does not have
  if (!inputs.every((input) => existsSync(input.path))) return null;
  const params: DuckDBValue[] = [];
  if (plan.outletFolder !== null) {
    // the outlets with a row in the month's statement: a settlement row, a fine or a ticket withheld
    const ids = await readRows(connection, inputs.map((input) => `select outlet_id from read_parquet(${sqlString(input.path)}) where outlet_id is not null`).join(' union '));
    const outletId = ids.map(([id]) => String(id)).find((id) => folderOf(id) === plan.outletFolder);
    if (outletId === undefined) return null;
    params.push(outletId);
  }
  // the inputs under the names the statements' SQL reads; an outlet's statement, of the outlet's rows only
  for (const input of inputs) {
    const rows = `select * from read_parquet(${sqlString(input.path)})`;
    if (params.length === 0) await connection.run(`create or replace temp view ${input.name} as ${rows}`);
    else await connection.run(`create or replace temp table ${input.name} as ${rows} where outlet_id = $1`, params);
  }
  if (plan.kind === 'settlement') await connection.run(`create or replace temp view pub_settlement_words as ${sqlFile('publish/settlement_words.sql')}`);
  const [first] = plan.sheets;
  const texts: { csv: Buffer; rows: Buffer }[] = [];
  for (const sheet of plan.format === 'csv' ? [first!] : plan.sheets) {
    const { query, columns, keys } = ROWS[sheet.family];
    const printed = columns.filter((c) => !(keys as readonly string[]).includes(c.name)).map((c) => (c.kind === 'count' ? `${c.name}::bigint as ${c.name}` : c.name));
    const outletRows = plan.outletFolder === null ? '' : ' and outlet_id is not null';
    await connection.run(`create or replace temp table statement_rows as select ${[...keys, ...printed].join(', ')} from (${sqlFile(query)}) where lang = ${sqlString(plan.lang)}${outletRows}`);
    const text = await sheetTexts(connection, 'statement_rows', sheet, plan.format === 'xlsx', rowsAtATime);
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
 * A sheet's CSV lines and worksheet rows (only when `worksheet` is true) of the rows of `from`,
 * built rowsAtATime rows at a time by their number; null when there is no row.
 */
async function sheetTexts(connection: DuckDBConnection, from: string, sheet: SheetPlan, worksheet: boolean, rowsAtATime: number): Promise<{ csv: Buffer; rows: Buffer } | null> {
  const [[count, low, high]] = (await readRows(connection, `select count(*), min(${sheet.number}), max(${sheet.number}) from ${from}`)) as [DuckDBValue[]];
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
        where ${sheet.number} between ${start} and ${start + rowsAtATime - 1})`,
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
