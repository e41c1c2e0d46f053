// The outlets' settlement (spec 5.4): what HQ pays each outlet for a month, the tickets withheld and
// why, the fines deducted. HR reads every outlet; an outlet's account only its own folder (spec §7,
// dashboard/DATA.md):
//
//   settlement/<month>.json                       every outlet's settlement_totals row (+ name, tier, by
//                                                 service type, withheld by why and by completion month)
//   settlement/<month>.csv, .xlsx (.en.csv, .en.xlsx)
//                                                 HR's download: every outlet's statement, then the month's
//                                                 total; the workbook's second sheet one row per outlet
//   by_outlet/<outlet>/settlement.json            its rows of every settlement/<month>.json
//   by_outlet/<outlet>/settlement_lines.json      the tickets settled, every month
//   by_outlet/<outlet>/settlement_withheld.json   the tickets withheld, once per run of months in one state
//   by_outlet/<outlet>/settlement/<month>.csv, .xlsx (.en.csv, .en.xlsx)
//                                                 its own statement of a month with a settlement row
//
// A ticket withheld for months is one row per run of months in which why it is withheld stays the
// same (queries/publish/settlement_withheld.sql), not a row per month: at a million tickets the
// tickets never revisited made the month-by-month lists most of the publish. A statement lists the
// tickets completed in its month and withheld at its end one by one, those carried over from earlier
// months one row per completion month.
//
// Like HR's penalty downloads (statements.ts), every file is one ordered query whose text DuckDB
// builds, with the same columns' machinery (workbook.ts): headers in the language, names, real
// numbers and dates, spreadsheet-safe text.
//
// Which months are written: a month's settlement depends on every earlier month (a ticket stays
// withheld until its revisit arrives, and why it is withheld changes with each call), so an
// incremental publish takes over only the months before the first month it writes
// (settlementMonths), with their outlets' downloads; the outlets' JSON files span the months and are
// written in full, like the other files of by_outlet/.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlFile, sqlString } from '../common/db.ts';
import { EMPTY_ARRAY, fileTexts, jsonArray } from './data-files.ts';
import { OUTLET_ROOT, outletPath } from './outlet-files.ts';
import { type RunFolder, settlementMonthFiles } from './run-folder.ts';
import { type DownloadColumn, type Lang, rareOf } from './statements.ts';
import { csvHeader, csvLine, sheetRow, writeXlsx } from './workbook.ts';

/** The statement rows (queries/publish/settlement_statement.sql): the CSV and the first sheet, HR's and an outlet's. */
const STATEMENT_COLUMNS: DownloadColumn[] = [
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

/** HR's outlets of the month (queries/publish/settlement_summary.sql): the second sheet of HR's workbook. */
const SUMMARY_COLUMNS: DownloadColumn[] = [
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

/** The downloads of each language: <month>.csv and .xlsx (zh), <month>.en.csv and .en.xlsx, and their sheets. */
const LANGUAGES: { lang: Lang; suffix: string; statement: string; summary: string }[] = [
  { lang: 'zh', suffix: '', statement: '结算单', summary: '网点汇总' },
  { lang: 'en', suffix: '.en', statement: 'Statement', summary: 'Outlets' },
];

// Row orders are total, so that a month file is the same bytes from any run over the same rows.
const TOTALS_ORDER = 'outlet_id';

/** Each outlet's JSON files spanning the months: the table of its rows and their order. */
const OUTLET_JSON = [
  { file: 'settlement.json', from: 'pub_settlement_totals', order: `month, ${TOTALS_ORDER}` },
  { file: 'settlement_lines.json', from: 'pub_settlement_lines', order: 'settlement_month, completed_at, ticket_id' },
  { file: 'settlement_withheld.json', from: 'pub_settlement_withheld', order: 'completed_at, ticket_id, withheld_from' },
] as const;

/**
 * The months whose settlement files an incremental publish writes, of the months published (in
 * order) when those of `written` are written and the others taken over: every month from the first
 * written one on. A month before it saw no change of its own or of an earlier month.
 */
export function settlementMonths(months: string[], written: string[]): string[] {
  const first = written.reduce<string | null>((min, m) => (min === null || m < min ? m : min), null);
  return first === null ? [] : months.filter((m) => m >= first);
}

/**
 * Takes over from the previous run the settlement files of the months given: HR's (the caller has
 * checked they are there: settlementMonthFiles), with their gzip copies, and each outlet's
 * downloads, by hard links.
 */
export function linkSettlement(folder: RunFolder, previousDir: string, months: string[]): void {
  for (const month of months) {
    for (const file of settlementMonthFiles(month)) {
      folder.link(join(previousDir, file), file);
      if (file.endsWith('.json') && existsSync(join(previousDir, `${file}.gz`))) folder.link(join(previousDir, `${file}.gz`), `${file}.gz`);
    }
  }
  const outlets = join(previousDir, OUTLET_ROOT);
  if (months.length === 0 || !existsSync(outlets)) return;
  const kept = new Set(months);
  for (const name of readdirSync(outlets)) {
    const dir = join(outlets, name, 'settlement');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) {
      if (kept.has(file.slice(0, 7))) folder.link(join(dir, file), `${OUTLET_ROOT}/${name}/settlement/${file}`);
    }
  }
}

/** SQL of a table of a download's rows, each with its xml_rare of the columns printed (sheetRow, rareOf), in the order of the months. */
function downloadRowsSql(table: string, columns: DownloadColumn[], query: string): string {
  return `create or replace temp table ${table} as select *, ${rareOf(columns)} as rare from (${query}) as source order by month;`;
}

/**
 * The tables of the settlement files, on the connection of this lane (with the publish macros). The
 * download rows only of the months written: an incremental publish writes a few months of a year,
 * and the rows of a month are most of the lane's text.
 */
async function prepare(connection: DuckDBConnection, months: string[]): Promise<string[]> {
  const written = (query: string) => `select * from (${query}) as rows_of_months where ${months.length === 0 ? 'false' : `month in (${months.map(sqlString).join(', ')})`}`;
  await connection.run(
    [
      sqlFile('publish/macros.sql'),
      `create or replace temp view pub_settlement_words as ${sqlFile('publish/settlement_words.sql')};`,
      // by outlet: an outlet's rows are together
      `create or replace temp table pub_settlement_withheld as ${sqlFile('publish/settlement_withheld.sql')} order by outlet_id;`,
      `create or replace temp table pub_settlement_lines as ${sqlFile('publish/settlement_lines.sql')} order by outlet_id;`,
      `create or replace temp table pub_settlement_totals as ${sqlFile('publish/settlement_totals.sql')};`,
      downloadRowsSql('pub_settlement_statement', STATEMENT_COLUMNS, written(sqlFile('publish/settlement_statement.sql'))),
      downloadRowsSql('pub_settlement_summary', SUMMARY_COLUMNS, written(sqlFile('publish/settlement_summary.sql'))),
      // every outlet that has a folder (outlet-files.ts), and any with a settlement row
      `create or replace temp table pub_settlement_outlets as select outlet_id from (${sqlFile('publish/outlet_ids.sql')}) union select outlet_id from settlement_totals;`,
    ].join('\n'),
  );
  return (await connection.runAndReadAll(`select outlet_id from pub_settlement_outlets order by outlet_id`)).getRows().map(([id]) => String(id));
}

/** Every settlement file of the months given, and every outlet's settlement files spanning the months. */
export async function writeSettlement(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  const outlets = await prepare(connection, months);
  folder.directory('settlement');
  for (const month of months) {
    const totals = await fileTexts(connection, `select month, ${jsonArray('to_json(source)::varchar', TOTALS_ORDER)} from pub_settlement_totals as source where month = ${sqlString(month)} group by month`);
    folder.page(`settlement/${month}.json`, totals.get(month)?.[0] ?? EMPTY_ARRAY);
    await writeHrDownloads(connection, folder, month);
    await writeOutletDownloads(connection, folder, month);
  }
  await writeOutletJson(connection, folder, outlets);
  await connection.run(['outlets', 'withheld', 'lines', 'totals', 'statement', 'summary'].map((table) => `drop table pub_settlement_${table};`).join('\n'));
}

/** Outlets whose JSON files are serialised per query (their texts are held until their gzip copies are written). */
const OUTLETS_AT_A_TIME = 100;

/** Every outlet's settlement.json, settlement_lines.json and settlement_withheld.json, a few outlets at a time. */
async function writeOutletJson(connection: DuckDBConnection, folder: RunFolder, outlets: string[]): Promise<void> {
  for (let i = 0; i < outlets.length; i += OUTLETS_AT_A_TIME) {
    const chunk = outlets.slice(i, i + OUTLETS_AT_A_TIME);
    const inChunk = `outlet_id in (${chunk.map(sqlString).join(', ')})`;
    for (const { file, from, order } of OUTLET_JSON) {
      const texts = await fileTexts(connection, `select outlet_id, ${jsonArray('to_json(source)::varchar', order)} from ${from} as source where ${inChunk} group by outlet_id`);
      for (const outlet of chunk) folder.page(outletPath(outlet, file), texts.get(outlet)?.[0] ?? EMPTY_ARRAY);
    }
    await folder.settle();
  }
}

/**
 * SQL of a download's texts from a table of its rows (downloadRowsSql): per key, the CSV lines and the
 * worksheet rows of the columns, numbered by `number` (r = number + 1, under the header), bold where
 * `bold` holds.
 */
function downloadSql(columns: DownloadColumn[], table: string, where: string, key: string, number: string, bold: string): string {
  return `
    select ${key},
      encode(string_agg(${csvLine(columns)}, E'\\r\\n' order by ${number}) || E'\\r\\n'),
      encode(string_agg(${sheetRow(columns, bold)}, '' order by ${number}))
    from (select *, (${number} + 1)::varchar as r from ${table} where ${where})
    group by ${key}`;
}

const headers = (columns: DownloadColumn[], lang: Lang) => columns.map((c) => c[lang]);

/** One download: the CSV (BOM, header) and the workbook of the sheets, zipped on the thread pool (the promise). */
function writeDownload(folder: RunFolder, path: string, lang: Lang, csv: Buffer | null | undefined, sheets: { name: string; columns: DownloadColumn[]; rows: Buffer | null | undefined }[]): Promise<void> {
  const header = csvHeader(headers(STATEMENT_COLUMNS, lang));
  folder.file(`${path}.csv`, csv ? Buffer.concat([header, csv]) : header);
  return writeXlsx(
    folder.path(`${path}.xlsx`),
    sheets.map((s) => ({ name: s.name, headers: headers(s.columns, lang), columns: s.columns, rows: s.rows ?? Buffer.alloc(0) })),
  );
}

/** HR's download of a month: every outlet's statement, the month's total; the outlets' summary sheet. */
async function writeHrDownloads(connection: DuckDBConnection, folder: RunFolder, month: string): Promise<void> {
  const inMonth = `month = ${sqlString(month)}`;
  const statement = await fileTexts(connection, downloadSql(STATEMENT_COLUMNS, 'pub_settlement_statement', inMonth, 'lang', 'n', `row_kind in ('outlet_total', 'total')`));
  const summary = await fileTexts(connection, downloadSql(SUMMARY_COLUMNS, 'pub_settlement_summary', inMonth, 'lang', 'n', `row_kind = 'total'`));
  for (const { lang, suffix, statement: first, summary: second } of LANGUAGES) {
    const [csv, rows] = statement.get(lang) ?? [];
    // zipped while the next month is queried
    folder.later(
      writeDownload(folder, `settlement/${month}${suffix}`, lang, csv, [
        { name: first, columns: STATEMENT_COLUMNS, rows },
        { name: second, columns: SUMMARY_COLUMNS, rows: summary.get(lang)?.[1] },
      ]),
    );
  }
}

/**
 * Each outlet's download of a month in which it has a settlement row: its statement. Its workbooks
 * are zipped before the next month's queries: hundreds at once on the thread pool would hold up the
 * queries, which wait for the same threads.
 */
async function writeOutletDownloads(connection: DuckDBConnection, folder: RunFolder, month: string): Promise<void> {
  const inMonth = `month = ${sqlString(month)} and outlet_id is not null`;
  const statement = await fileTexts(connection, downloadSql(STATEMENT_COLUMNS, 'pub_settlement_statement', inMonth, `lang || ' ' || outlet_id`, 'outlet_n', `row_kind = 'outlet_total'`));
  const outlets = (await connection.runAndReadAll(`select outlet_id from pub_settlement_totals where month = ${sqlString(month)} order by outlet_id`)).getRows().map(([id]) => String(id));
  const workbooks: Promise<void>[] = [];
  for (const outlet of outlets) {
    for (const { lang, suffix, statement: sheet } of LANGUAGES) {
      const [csv, rows] = statement.get(`${lang} ${outlet}`) ?? [];
      const workbook = writeDownload(folder, outletPath(outlet, `settlement/${month}${suffix}`), lang, csv, [{ name: sheet, columns: STATEMENT_COLUMNS, rows }]);
      // a failure is the publish's (RunFolder.settle), even when a later file stops this loop
      folder.later(workbook);
      workbooks.push(workbook);
    }
  }
  await Promise.allSettled(workbooks);
}
