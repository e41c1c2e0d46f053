// HR's statements of a month: the lines and totals the penalties page reads, and the CSV and XLSX
// downloads of the same rows in the same order, each built by DuckDB as text in one query.
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../common/db.ts';
import { EMPTY_ARRAY, fileTexts, jsonArray } from './data-files.ts';
import type { RunFolder } from './run-folder.ts';
import { columnLetter, type SheetColumn, writeXlsx } from './workbook.ts';

const BOM = '\uFEFF';

const TIMESTAMP_FORMAT = '%Y-%m-%d %H:%M:%S';

/** HR's statement lines: the CSV columns and the 罚款明细 sheet (dashboard/DATA.md). */
const LINE_COLUMNS: SheetColumn[] = [
  { name: 'month', kind: 'text' },
  { name: 'technician_id', kind: 'text' },
  { name: 'outlet_id', kind: 'text' },
  { name: 'rule_id', kind: 'text' },
  { name: 'rule_name_zh', kind: 'text' },
  { name: 'rule_name_en', kind: 'text' },
  { name: 'amount', kind: 'number' },
  { name: 'occurred_at', kind: 'time' },
  { name: 'ticket_id', kind: 'text' },
  { name: 'revisit_id', kind: 'text' },
  { name: 'complaint_id', kind: 'text' },
  { name: 'violation_id', kind: 'text' },
  { name: 'dismissal', kind: 'boolean' },
];

/** HR's monthly totals: the 汇总 sheet, the columns of queries/publish/penalty_totals.sql. */
const TOTAL_COLUMNS: SheetColumn[] = [
  { name: 'month', kind: 'text' },
  { name: 'technician_id', kind: 'text' },
  { name: 'technician_name', kind: 'text' },
  { name: 'outlet_id', kind: 'text' },
  { name: 'outlet_name', kind: 'text' },
  { name: 'violations', kind: 'number' },
  { name: 'amount', kind: 'number' },
  { name: 'violations_ytd', kind: 'number' },
  { name: 'training', kind: 'boolean' },
  { name: 'dismissal_review', kind: 'boolean' },
];

// Row orders are total (ties broken down to the row's identity), so a month file comes out the
// same bytes from any run over the same rows: what lets an incremental publish reuse it.
const LINE_ORDER = 'technician_id, occurred_at, rule_id, ticket_id, revisit_id, complaint_id, violation_id';

/**
 * Per month, from one scan of its lines and one of its totals: the statement lines the penalties
 * page reads (penalty_lines/<month>.json), the month's totals (penalties/<month>.json), and HR's
 * CSV and XLSX downloads of the same rows in the same order.
 */
export async function writeStatements(connection: DuckDBConnection, folder: RunFolder, months: string[]): Promise<void> {
  const csvHeader = Buffer.from(BOM + LINE_COLUMNS.map((c) => c.name).join(',') + '\r\n');
  folder.directory('penalties');
  // a month at a time: a national network's month of statements is tens of MB of text in three
  // forms, and a year of them at once would hold gigabytes
  for (const month of months) {
    const inMonths = `month = ${sqlString(month)}`;
    const lines = await fileTexts(connection, `
    select month,
      ${jsonArray('json_row', 'n')},
      encode(string_agg(${csvLine(LINE_COLUMNS)}, E'\\r\\n' order by n) || E'\\r\\n'),
      encode(string_agg(${sheetRow(LINE_COLUMNS)}, '' order by n))
    from (
      select *, xml_rare(json_row) as rare, (n + 1)::varchar as r
      from (
        select lines.*, to_json(lines)::varchar as json_row, row_number() over (partition by month order by ${LINE_ORDER}) as n
        from pub_penalty_lines as lines
        where ${inMonths}
      )
    )
    group by month`);
    const totals = await fileTexts(connection, `
    select month,
      ${jsonArray('json_row', 'n')},
      encode(string_agg(${sheetRow(TOTAL_COLUMNS)}, '' order by n))
    from (
      select *, xml_rare(json_row) as rare, (n + 1)::varchar as r
      from (
        select totals.*, to_json(totals)::varchar as json_row, row_number() over (partition by month order by technician_id) as n
        from pub_penalty_totals as totals
        where ${inMonths}
      )
    )
    group by month`);
    const [linesJson, csv, lineRows] = lines.get(month) ?? [];
    const [totalsJson, totalRows] = totals.get(month) ?? [];
    folder.page(`penalty_lines/${month}.json`, linesJson ?? EMPTY_ARRAY);
    folder.page(`penalties/${month}.json`, totalsJson ?? EMPTY_ARRAY);
    folder.file(`penalties/${month}.csv`, csv ? Buffer.concat([csvHeader, csv]) : csvHeader);
    folder.later(
      writeXlsx(folder.path(`penalties/${month}.xlsx`), [
        { name: '罚款明细', columns: LINE_COLUMNS, rows: lineRows ?? Buffer.alloc(0) },
        { name: '汇总', columns: TOTAL_COLUMNS, rows: totalRows ?? Buffer.alloc(0) },
      ]),
    );
    // the workbook is zipped on the thread pool while the next month is queried
  }
}

/** A column's value as SQL text (null stays null): times as naive text, numbers as DuckDB prints them. */
function textOf(column: SheetColumn): string {
  if (column.kind === 'time') return `strftime(${column.name}, '${TIMESTAMP_FORMAT}')`;
  return `${column.name}::varchar`;
}

function csvLine(columns: SheetColumn[]): string {
  return `concat_ws(',', ${columns.map((c) => `csv_field(${textOf(c)})`).join(', ')})`;
}

/**
 * A worksheet row as SQL text, over the columns r (the row number as text: data rows start under
 * the header) and rare (xml_rare of the row). concat() leaves out the cells of missing values.
 */
function sheetRow(columns: SheetColumn[]): string {
  const cells = columns.map((c, i) => {
    const col = `'${columnLetter(i)}'`;
    if (c.kind === 'number') return `xlsx_number(${col}, r, ${c.name})`;
    if (c.kind === 'boolean') return `xlsx_boolean(${col}, r, ${c.name})`;
    return `xlsx_text(${col}, r, ${textOf(c)}, rare)`;
  });
  return `concat('<row r="', r, '">', ${cells.join(', ')}, '</row>')`;
}
