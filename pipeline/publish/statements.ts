// HR's statements of a month: the lines and totals the penalties page reads, and HR's downloads in
// the pages' two languages (CSV and XLSX, zh and en), each built by DuckDB as text in one query.
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlFile, sqlString } from '../common/db.ts';
import { EMPTY_ARRAY, fileTexts, monthJson } from './data-files.ts';
import type { RunFolder } from './run-folder.ts';
import { csvHeader, csvLine, type SheetColumn, sheetRow, writeXlsx } from './workbook.ts';

export type Lang = 'zh' | 'en';

/** A download's column: the cell (workbook.ts) and its header in each language (the settlement downloads use it too). */
export interface DownloadColumn extends SheetColumn {
  zh: string;
  en: string;
}

/** The downloads of each language: penalties/<month>.csv and .xlsx (zh), penalties/<month>.en.csv and .en.xlsx. */
const LANGUAGES: { lang: Lang; suffix: string; sheets: [string, string] }[] = [
  { lang: 'zh', suffix: '', sheets: ['罚款明细', '汇总'] },
  { lang: 'en', suffix: '.en', sheets: ['Penalty lines', 'Summary'] },
];

/** The statement rows (queries/publish/penalty_statement.sql): the CSV and the first sheet. */
const STATEMENT_COLUMNS: DownloadColumn[] = [
  { name: 'month', kind: 'text', width: 9, zh: '月份', en: 'Month' },
  { name: 'technician_id', kind: 'text', width: 12, zh: '工号', en: 'Technician ID' },
  { name: 'technician_name', kind: 'text', width: 12, zh: '姓名', en: 'Name' },
  { name: 'outlet_id', kind: 'text', width: 10, zh: '网点', en: 'Outlet' },
  { name: 'outlet_name', kind: 'text', width: 20, zh: '网点名称', en: 'Outlet name' },
  { name: 'rule_id', kind: 'text', width: 20, zh: '规则', en: 'Rule' },
  { name: 'description', kind: 'text', width: 30, zh: '说明', en: 'Description' },
  { name: 'amount', kind: 'money', width: 12, zh: '金额', en: 'Amount' },
  { name: 'evidence', kind: 'text', width: 32, zh: '证据', en: 'Evidence' },
  { name: 'occurred_at', kind: 'time', width: 17, zh: '发生时间', en: 'Occurred at' },
  { name: 'dismissal_rule', kind: 'text', width: 10, zh: '除名项', en: 'Dismissal item' },
  { name: 'action', kind: 'text', width: 60, zh: '处理', en: 'Action' },
];

/** The technicians' totals (queries/publish/penalty_summary.sql): the second sheet. */
const SUMMARY_COLUMNS: DownloadColumn[] = [
  { name: 'month', kind: 'text', width: 9, zh: '月份', en: 'Month' },
  { name: 'technician_id', kind: 'text', width: 12, zh: '工号', en: 'Technician ID' },
  { name: 'technician_name', kind: 'text', width: 12, zh: '姓名', en: 'Name' },
  { name: 'outlet_id', kind: 'text', width: 10, zh: '网点', en: 'Outlet' },
  { name: 'outlet_name', kind: 'text', width: 20, zh: '网点名称', en: 'Outlet name' },
  { name: 'violations', kind: 'count', width: 10, zh: '违规次数', en: 'Violations' },
  { name: 'violations_ytd', kind: 'count', width: 12, zh: '本年累计违规', en: 'Violations this year' },
  { name: 'amount', kind: 'money', width: 12, zh: '金额', en: 'Amount' },
  { name: 'training', kind: 'text', width: 10, zh: '停工培训', en: 'Training' },
  { name: 'training_reason', kind: 'text', width: 40, zh: '培训原因', en: 'Training reason' },
  { name: 'dismissal_review', kind: 'text', width: 10, zh: '除名审核', en: 'Dismissal review' },
  { name: 'dismissal_reason', kind: 'text', width: 50, zh: '除名原因', en: 'Dismissal reason' },
];

// Row orders are total (ties broken down to the row's identity), so a month file comes out the
// same bytes from any run over the same rows: what lets an incremental publish reuse it.
const LINE_ORDER = 'technician_id, occurred_at, rule_id, ticket_id, revisit_id, complaint_id, violation_id';

/**
 * Per month: the statement lines the penalties page reads (penalty_lines/<month>.json), the month's
 * totals (penalties/<month>.json), and HR's CSV and XLSX downloads in each language.
 */
export async function writeStatements(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  // the downloads' views, over pub_penalty_totals and pub_penalty_lines and the publish macros that
  // the statements' connection has (publish/index.ts); the reasons, which both views join, worded
  // once for every month (a row or two per flagged technician and month), not again by each month
  await connection.run(
    [
      `create or replace temp table pub_penalty_reasons as ${sqlFile('publish/penalty_reasons.sql')};`,
      ...['statement', 'summary'].map((view) => `create or replace temp view pub_penalty_${view} as ${sqlFile(`publish/penalty_${view}.sql`)};`),
    ].join('\n'),
  );
  folder.directory('penalties');
  // a month at a time: a national network's month of statements is tens of MB of text in several
  // forms, and a year of them at once would hold gigabytes
  for (const month of months) {
    const inMonth = `month = ${sqlString(month)}`;
    const lines = await monthJson(connection, 'pub_penalty_lines', LINE_ORDER, inMonth);
    const totals = await monthJson(connection, 'pub_penalty_totals', 'technician_id', inMonth);
    folder.page(`penalty_lines/${month}.json`, lines.get(month) ?? EMPTY_ARRAY);
    folder.page(`penalties/${month}.json`, totals.get(month) ?? EMPTY_ARRAY);
    await writeDownloads(connection, folder, month, inMonth);
  }
}

/** HR's downloads of a month, one CSV and one workbook per language, from one query per sheet. */
async function writeDownloads(connection: DuckDBConnection, folder: RunFolder, month: string, inMonth: string): Promise<void> {
  const statement = await fileTexts(connection, `
    select lang,
      encode(string_agg(${csvLine(STATEMENT_COLUMNS)}, E'\\r\\n' order by n) || E'\\r\\n'),
      encode(string_agg(${sheetRow(STATEMENT_COLUMNS, `row_kind <> 'line'`)}, '' order by n))
    from (select *, ${rareOf(STATEMENT_COLUMNS)} as rare, (n + 1)::varchar as r from pub_penalty_statement where ${inMonth})
    group by lang`);
  const summary = await fileTexts(connection, `
    select lang, encode(string_agg(${sheetRow(SUMMARY_COLUMNS, `row_kind = 'total'`)}, '' order by n))
    from (select *, ${rareOf(SUMMARY_COLUMNS)} as rare, (n + 1)::varchar as r from pub_penalty_summary where ${inMonth})
    group by lang`);
  for (const { lang, suffix, sheets } of LANGUAGES) {
    const [csv, statementRows] = statement.get(lang) ?? [];
    const [summaryRows] = summary.get(lang) ?? [];
    const header = csvHeader(STATEMENT_COLUMNS.map((c) => c[lang]));
    folder.file(`penalties/${month}${suffix}.csv`, csv ? Buffer.concat([header, csv]) : header);
    // the workbook is zipped on the thread pool while the next month is queried
    folder.later(
      writeXlsx(folder.path(`penalties/${month}${suffix}.xlsx`), [
        { name: sheets[0], headers: STATEMENT_COLUMNS.map((c) => c[lang]), columns: STATEMENT_COLUMNS, rows: statementRows ?? Buffer.alloc(0) },
        { name: sheets[1], headers: SUMMARY_COLUMNS.map((c) => c[lang]), columns: SUMMARY_COLUMNS, rows: summaryRows ?? Buffer.alloc(0) },
      ]),
    );
  }
}

/**
 * xml_rare of a row as to_json of its text cells only: what xml_rare looks for is in a text or at its
 * ends, never in a number or a time, so it answers as for the whole row at a fraction of the cost.
 */
export function rareOf(columns: SheetColumn[]): string {
  return `xml_rare(to_json({${columns.filter((c) => c.kind === 'text').map((c) => `'${c.name}': ${c.name}`).join(', ')}})::varchar)`;
}
