// End to end on the shipped sample: every file accounted for, the known bad rows rejected with
// their lines, the contract tables present with the spec's columns, and the run repeatable.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import { Db } from '../pipeline/common/db.ts';
import { runPipeline, type RunResult } from '../pipeline/run.ts';
import { rendered } from './downloads.ts';

const SPEC_COLUMNS: Record<string, string[]> = {
  kpi_technician_month: ['month', 'technician_id', 'outlet_id', 'tickets_completed', 'revisit_covered', 'revisit_coverage', 'rated', 'satisfied', 'neutral', 'unsatisfied', 'satisfied_rate', 'neutral_rate', 'unsatisfied_rate', 'on_time_judged', 'on_time', 'on_time_rate', 'complaints', 'complaint_rate', 'complaint_rank'],
  kpi_outlet_month: ['month', 'outlet_id', 'tickets_completed', 'revisit_covered', 'revisit_coverage', 'rated', 'satisfied', 'neutral', 'unsatisfied', 'satisfied_rate', 'neutral_rate', 'unsatisfied_rate', 'on_time_judged', 'on_time', 'on_time_rate', 'complaints', 'complaint_rate', 'composite', 'outlet_rank', 'tier_rank', 'rank_change'],
  kpi_network_month: ['month', 'tickets_completed', 'revisit_covered', 'revisit_coverage', 'rated', 'satisfied', 'neutral', 'unsatisfied', 'satisfied_rate', 'neutral_rate', 'unsatisfied_rate', 'on_time_judged', 'on_time', 'on_time_rate', 'complaints', 'complaint_rate'],
  penalty_lines: ['month', 'technician_id', 'outlet_id', 'rule_id', 'amount', 'occurred_at', 'ticket_id', 'revisit_id', 'complaint_id', 'violation_id', 'dismissal'],
  penalty_totals: ['month', 'technician_id', 'outlet_id', 'violations', 'amount', 'violations_ytd', 'training', 'dismissal_review'],
  outlet_penalty_lines: ['month', 'outlet_id', 'complaint_id', 'ticket_id', 'overcharge', 'amount'],
  load_batches: ['file_name', 'content_hash', 'kind', 'rows_read', 'rows_loaded', 'rows_rejected', 'loaded_at'],
  load_rejects: ['file', 'line', 'column', 'reason', 'raw_line'],
};

const PHONE = /(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)/;

let work: string;
let first: RunResult;
let db: Db;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sq-pipeline-test-'));
  first = await runPipeline({ input: 'data/sample', db: join(work, 'w.duckdb'), out: join(work, 'out'), config: defaultConfig() });
  db = await Db.open(join(work, 'w.duckdb'));
}, 120_000);

afterAll(() => {
  db?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the sample run', () => {
  it('leaves the eight contract tables with the spec columns', async () => {
    for (const [table, columns] of Object.entries(SPEC_COLUMNS)) {
      const actual = (await db.all(`select column_name from information_schema.columns where table_name = '${table}' order by ordinal_position`)).map((r) => r.column_name);
      expect(actual, table).toEqual(expect.arrayContaining(columns));
    }
  });

  it('covers twelve months of completed tickets', async () => {
    expect(await db.all(`select min(month) as first, max(month) as last, count(*) as months from kpi_network_month`)).toEqual([
      { first: '2025-11', last: '2026-10', months: 12 },
    ]);
  });

  it('loads 29 files, reports the unrecognised one and the folder of the late export (loaded after the closes), and accounts for every row', async () => {
    expect(first.files.filter((f) => f.status === 'loaded')).toHaveLength(29);
    expect(first.files.filter((f) => f.status === 'skipped').map((f) => f.file)).toEqual(['late', '导出说明.csv']);
    expect(await db.all(`select count(*) as unbalanced from load_batches where rows_read <> rows_loaded + rows_rejected`)).toEqual([{ unbalanced: 0 }]);
  });

  // lines checked by hand against the files (grep -n / awk 'NR==…'): the line an editor shows
  it('rejects exactly the broken rows the generator planted, with their lines', async () => {
    expect(await db.all(`select file, line, "column", reason from load_rejects order by file, line`)).toEqual([
      { file: '回访_2026-02.csv', line: 105, column: 'revisit_at', reason: 'invalid_timestamp' },
      { file: '回访_2026-07.csv', line: 201, column: 'revisit_at', reason: 'missing_value' },
      { file: '工单_2025-12.csv', line: 146, column: 'created_at', reason: 'invalid_timestamp' },
      { file: '工单_2026-01.csv', line: 434, column: 'ticket_id', reason: 'duplicate_key' },
      { file: '工单_2026-03.csv', line: 201, column: 'service_type', reason: 'unknown_value' },
      { file: '工单_2026-04.csv', line: 255, column: 'created_at', reason: 'too_few_columns' },
      { file: '工单_2026-05.csv', line: 85, column: 'ticket_id', reason: 'duplicate_key' },
      { file: '工单_2026-06.csv', line: 343, column: 'updated_at', reason: 'invalid_timestamp' },
      { file: '工单_2026-08.csv', line: 187, column: 'service_type', reason: 'unknown_value' },
      { file: '工单_2026-09.csv', line: 1502, column: 'ticket_id', reason: 'duplicate_key' },
      { file: '投诉.csv', line: 150, column: 'resolved_at', reason: 'invalid_timestamp' },
    ]);
  });

  it('reports the orphan revisits and complaints', async () => {
    expect(await db.all(`select kind, count(*) as orphans from data_orphans group by kind order by kind`)).toEqual([
      { kind: 'complaints', orphans: 3 },
      { kind: 'revisits', orphans: 5 },
    ]);
  });

  it('publishes no customer phone number in any file', async () => {
    const manifest = JSON.parse(readFileSync(join(work, 'out', 'manifest.json'), 'utf8'));
    const runDir = join(work, 'out', manifest.folder);
    const files = (readdirSync(runDir, { recursive: true }) as string[]).filter((f) => /\.(json|csv|parquet)$/.test(f));
    expect(files.length).toBeGreaterThan(100);
    // the phone numbers the sample's exports really hold, as the detector's positive control
    const phones = await db.all(`select customer_phone from tickets where customer_phone is not null limit 1`);
    expect(String(phones[0]?.customer_phone)).toMatch(PHONE);
    for (const f of files) {
      const path = join(runDir, f);
      if (f.endsWith('.parquet')) {
        const hits = await db.value(`select count(*) from read_parquet('${path}') as t where regexp_matches(t::varchar, '${PHONE.source}')`);
        expect(hits, f).toBe(0);
      } else {
        expect(readFileSync(path, 'utf8'), f).not.toMatch(PHONE);
      }
    }
  });

  it("publishes HR's month as CSV and XLSX holding exactly that month's penalty lines and totals", async () => {
    const manifest = JSON.parse(readFileSync(join(work, 'out', 'manifest.json'), 'utf8'));
    // twelve months of tickets, and 2026-11, whose calls settle October's last tickets
    expect(manifest.months).toHaveLength(13);
    expect(manifest.months.at(-1)).toBe('2026-11');
    expect(manifest.latest_month).toBe('2026-10');
    const runDir = join(work, 'out', manifest.folder);
    const month = '2026-05';
    const lines = await db.all(`select technician_id, rule_id, amount, ticket_id, revisit_id, violation_id from penalty_lines where month = '${month}' order by technician_id, occurred_at, rule_id`);
    expect(lines.length).toBe(17);

    // the CSV is laid out like the printed statement: each technician's lines, then a subtotal
    // row (no rule), and the month's total row last; the server renders it from the month's rows files
    const csv = await rendered(runDir, `penalties/${month}.csv`);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [csvHeader, ...csvRows] = parse(csv.subarray(3), { relaxColumnCount: false }) as string[][];
    expect(csvHeader).toEqual(['月份', '工号', '姓名', '网点', '网点名称', '规则', '说明', '金额', '证据', '发生时间', '除名项', '处理']);
    const column = (name: string) => csvHeader!.indexOf(name);
    const lineRows = csvRows.filter((r) => r[column('规则')] !== '');
    expect(lineRows.map((r) => ({ technician_id: r[column('工号')], rule_id: r[column('规则')], amount: Number(r[column('金额')]) }))).toEqual(
      lines.map((l) => ({ technician_id: l.technician_id, rule_id: l.rule_id, amount: Number(l.amount) })),
    );
    const totalRows = await db.all(`select technician_id, amount::double as amount from penalty_totals where month = '${month}' order by technician_id`);
    const subtotals = csvRows.filter((r) => r[column('规则')] === '' && r[column('工号')] !== '');
    expect(subtotals.map((r) => ({ technician_id: r[column('工号')], amount: Number(r[column('金额')]) }))).toEqual(totalRows);
    const grandTotal = csvRows.at(-1)!;
    expect(grandTotal[column('说明')]).toBe(`合计: ${totalRows.length} 人, ${lines.length} 次违规`);
    expect(Number(grandTotal[column('金额')])).toBe(totalRows.reduce((sum, r) => sum + Number(r.amount), 0));

    // the workbook's summary sheet: one row per technician with the month's amount, then the total
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await rendered(runDir, `penalties/${month}.xlsx`)) as never);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['罚款明细', '汇总']);
    const summary = workbook.getWorksheet('汇总')!;
    const summaryHeader = (summary.getRow(1).values as unknown[]).map(String);
    const sheetTotals: { technician_id: unknown; amount: unknown }[] = [];
    summary.eachRow((row, n) => {
      if (n > 1) sheetTotals.push({ technician_id: row.getCell(summaryHeader.indexOf('工号')).value, amount: row.getCell(summaryHeader.indexOf('金额')).value });
    });
    expect(sheetTotals.at(-1)).toEqual({ technician_id: '合计', amount: Number(grandTotal[column('金额')]) });
    expect(sheetTotals.slice(0, -1)).toEqual(totalRows);
    expect(readdirSync(join(work, 'out', 'runs')).filter((d) => d.startsWith('.'))).toEqual([]);
  });

  it('changes nothing when the same folder is loaded again', async () => {
    const before = await db.all(`select * from kpi_technician_month order by all`);
    db.close();
    const again = await runPipeline({ input: 'data/sample', db: join(work, 'w.duckdb'), config: defaultConfig() });
    expect(again.files.filter((f) => f.status === 'already_loaded')).toHaveLength(29);
    db = await Db.open(join(work, 'w.duckdb'));
    expect(await db.all(`select * from kpi_technician_month order by all`)).toEqual(before);
    expect(await db.value(`select count(*) from load_batches`)).toBe(29);
  });
});
