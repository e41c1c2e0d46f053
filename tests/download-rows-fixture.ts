// Small rows files of the downloads (runs/<run>/download_rows/<family>/<month>.parquet), written with
// DuckDB in the columns and types the publish writes them (pipeline/publish/downloads.ts: lang, n,
// row_kind, outlet_n for the settlement statement, then the printed columns), for tests of the
// server that need a download without running the pipeline. One technician (T1 of outlet W1, one
// line of ¥20.00) and two outlets in the settlement (张三 and W1), in both languages. The rows are
// numbered from 1 (n, and outlet_n within an outlet), as the publish numbers them.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

type Cell = string | number | null;

interface RowsFile {
  /** column name and DuckDB type, in the order written */
  columns: [string, string][];
  /** per language: the rows, cells in the order of columns, lang first */
  rows: (lang: 'zh' | 'en', month: string) => Cell[][];
}

const TEXT = 'varchar';
const MONEY_38 = 'decimal(38, 2)';

const FAMILIES: Record<string, RowsFile> = {
  penalty_statement: {
    columns: [
      ['lang', TEXT], ['n', 'bigint'], ['row_kind', TEXT], ['month', TEXT], ['technician_id', TEXT], ['technician_name', TEXT],
      ['outlet_id', TEXT], ['outlet_name', TEXT], ['rule_id', TEXT], ['description', TEXT], ['amount', 'decimal(18, 2)'],
      ['evidence', TEXT], ['occurred_at', 'timestamp'], ['dismissal_rule', TEXT], ['action', TEXT],
    ],
    rows: (lang, month) => [
      [lang, 1, 'line', month, 'T1', '王师傅', 'W1', '青岛一店', 'IMAGE', lang === 'en' ? 'Image rejected' : '图片不合格', '20.00', 'GD1', `${month}-01 10:00:00`, null, null],
      [lang, 2, 'subtotal', month, 'T1', '王师傅', 'W1', '青岛一店', null, null, '20.00', null, null, null, lang === 'en' ? 'None' : '无'],
      [lang, 3, 'total', month, null, null, null, null, null, null, '20.00', null, null, null, null],
    ],
  },
  penalty_summary: {
    columns: [
      ['lang', TEXT], ['n', 'bigint'], ['row_kind', TEXT], ['month', TEXT], ['technician_id', TEXT], ['technician_name', TEXT],
      ['outlet_id', TEXT], ['outlet_name', TEXT], ['violations', 'bigint'], ['violations_ytd', 'bigint'], ['amount', 'decimal(18, 2)'],
      ['training', TEXT], ['training_reason', TEXT], ['dismissal_review', TEXT], ['dismissal_reason', TEXT],
    ],
    rows: (lang, month) => [
      [lang, 1, 'technician', month, 'T1', '王师傅', 'W1', '青岛一店', 1, 1, '20.00', lang === 'en' ? 'No' : '否', null, lang === 'en' ? 'No' : '否', null],
      [lang, 2, 'total', month, null, null, null, null, 1, 1, '20.00', null, null, null, null],
    ],
  },
  settlement_statement: {
    columns: [
      ['lang', TEXT], ['n', 'bigint'], ['outlet_n', 'bigint'], ['row_kind', TEXT], ['month', TEXT], ['outlet_id', TEXT], ['outlet_name', TEXT],
      ['item', TEXT], ['service', TEXT], ['ticket_id', TEXT], ['technician_id', TEXT], ['technician_name', TEXT], ['completed_at', 'timestamp'],
      ['description', TEXT], ['tickets', 'bigint'], ['amount', MONEY_38], ['withheld_fee', MONEY_38], ['payment_due', 'date'],
    ],
    rows: (lang, month) => {
      const settled = lang === 'en' ? 'Settled' : '结算';
      const total = lang === 'en' ? 'Outlet total' : '网点合计';
      return [
        [lang, 1, 1, 'settled', month, '张三', '张三网点', settled, 'install', 'GD7', 'T7', '李师傅', `${month}-05 09:30:00`, null, 1, '80.00', null, null],
        [lang, 2, 2, 'outlet_total', month, '张三', '张三网点', total, null, null, null, null, null, null, 1, '80.00', '0.00', `${month}-28`],
        [lang, 3, 1, 'settled', month, 'W1', '青岛一店', settled, 'repair', 'GD1', 'T1', '王师傅', `${month}-01 09:00:00`, null, 1, '120.00', null, null],
        [lang, 4, 2, 'outlet_total', month, 'W1', '青岛一店', total, null, null, null, null, null, null, 1, '120.00', '0.00', `${month}-28`],
        [lang, 5, 1, 'total', month, null, null, lang === 'en' ? 'Total' : '合计', null, null, null, null, null, null, 2, '200.00', '0.00', null],
      ];
    },
  },
  settlement_summary: {
    columns: [
      ['lang', TEXT], ['n', 'bigint'], ['row_kind', TEXT], ['month', TEXT], ['outlet_id', TEXT], ['outlet_name', TEXT], ['tier', TEXT],
      ['tickets_settled', 'bigint'], ['fees', MONEY_38], ['outlet_fines', MONEY_38], ['net', MONEY_38], ['tickets_withheld', 'bigint'],
      ['withheld_fees', MONEY_38], ['payment_due', 'date'],
    ],
    rows: (lang, month) => [
      [lang, 1, 'outlet', month, '张三', '张三网点', 'authorized', 1, '80.00', '0.00', '80.00', 0, '0.00', `${month}-28`],
      [lang, 2, 'outlet', month, 'W1', '青岛一店', 'service_center', 1, '120.00', '0.00', '120.00', 0, '0.00', `${month}-28`],
      [lang, 3, 'total', month, null, null, null, 2, '200.00', '0.00', '200.00', 0, '0.00', null],
    ],
  },
};

const literal = (cell: Cell, type: string) => (cell === null ? `null::${type}` : `'${String(cell).replaceAll("'", "''")}'::${type}`);

/** Writes the four rows files of the month into the run folder, as the publish does. */
export async function writeDownloadRows(runDir: string, month: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    for (const [family, { columns, rows }] of Object.entries(FAMILIES)) {
      const dir = join(runDir, 'download_rows', family);
      mkdirSync(dir, { recursive: true });
      const values = (['zh', 'en'] as const)
        .flatMap((lang) => rows(lang, month))
        .map((row) => `(${row.map((cell, i) => literal(cell, columns[i]![1])).join(', ')})`)
        .join(',\n');
      const names = columns.map(([name]) => name).join(', ');
      await connection.run(`copy (select * from (values ${values}) as rows(${names}) order by lang, n) to '${join(dir, `${month}.parquet`).replaceAll("'", "''")}' (format parquet)`);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Writes the outlets' rows (outlet_rows/, pipeline/publish/outlet-rows.ts) into the run folder, as
 * the publish does: three outlets with folders (张三 and A/B, whose ids are no plain folder names,
 * and W1), one outlet known from its settlement only (W9); a technician each in technicians.parquet,
 * and 300 tickets settled at W1 in settlement_lines.parquet (a file large enough to be sent gzipped).
 */
export async function writeOutletRowsFixture(runDir: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  const dir = join(runDir, 'outlet_rows');
  const to = (family: string) => `'${join(dir, `${family}.parquet`).replaceAll("'", "''")}'`;
  mkdirSync(dir, { recursive: true });
  try {
    await connection.run(`copy (select * from (values ('A/B', true), ('W1', true), ('W9', false), ('张三', true)) as outlets(outlet_id, own_files) order by outlet_id) to ${to('outlets')} (format parquet)`);
    await connection.run(`copy (select * from (values ('2026-03', 'T2', 'A/B'), ('2026-03', 'T1', 'W1'), ('2026-03', 'T7', '张三')) as rows(month, technician_id, outlet_id) order by outlet_id) to ${to('technicians')} (format parquet)`);
    await connection.run(`
      copy (
        select '2026-03' as settlement_month, 'W1' as outlet_id, 'GD' || lpad(i::varchar, 4, '0') as ticket_id,
               timestamp '2026-03-01 09:00:00' + to_minutes(i) as completed_at, 120.00::decimal(18, 2) as fee
        from range(300) as tickets(i)
        order by outlet_id, settlement_month, completed_at, ticket_id
      ) to ${to('settlement_lines')} (format parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
