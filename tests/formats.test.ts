// The same month of exports in three forms — UTF-8 CSV with ISO timestamps and English words,
// GBK CSV as Excel saves it (Chinese headers and words, 2026/3/5 14:07, CRLF), and .xlsx
// workbooks (date cells, ids, phone numbers and amounts stored as numbers) — gives identical
// stored records and identical output tables.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import { Db } from '../pipeline/common/db.ts';
import { KINDS, type KindName } from '../pipeline/load/kinds.ts';
import { loadFolder } from '../pipeline/load/index.ts';
import { applyConfig, buildModels, MODELS } from '../pipeline/build/index.ts';

type Value = string | number | boolean | Date | null;
type Record_ = Record<string, Value>;

// ---- the month, as typed values -----------------------------------------------------------------

const at = (day: number, hour: number, minute: number) => new Date(Date.UTC(2026, 2, day, hour, minute));
const plusMinutes = (d: Date, m: number) => new Date(d.getTime() + m * 60_000);

const technicians: Record_[] = [
  { technician_id: 1001, name: '张伟', outlet_id: 'W01', status: 'active' },
  { technician_id: 1002, name: '李娜', outlet_id: 'W01', status: 'active' },
  { technician_id: 1003, name: '王强', outlet_id: 'W02', status: 'left' },
];
const outlets: Record_[] = [
  { outlet_id: 'W01', name: '青岛市南服务中心', tier: 'service_center', city: '青岛' },
  { outlet_id: 'W02', name: '青岛崂山专修部', tier: 'repair_shop', city: '青岛' },
];
const tickets: Record_[] = Array.from({ length: 24 }, (_, i) => {
  const tech = technicians[i % 3]!;
  const created = at(1 + (i % 20), 8, (i * 7) % 60);
  const start = at(2 + (i % 20), 10, 0);
  const arrived = plusMinutes(start, i % 7 === 0 ? 150 : (i % 5) * 20);
  const cancelled = i % 8 === 7;
  return {
    ticket_id: `GD2603${String(i + 1).padStart(3, '0')}`,
    outlet_id: tech.outlet_id!,
    technician_id: tech.technician_id!,
    service_type: i % 4 === 0 ? 'install' : 'repair',
    created_at: created,
    appointment_start: start,
    appointment_end: plusMinutes(start, 120),
    arrived_at: cancelled ? null : arrived,
    completed_at: cancelled ? null : plusMinutes(arrived, 65),
    status: cancelled ? 'cancelled' : 'completed',
    fee_charged: i % 9 === 4 ? 150.5 : 120,
    fee_standard: 120,
    customer_phone: 13800001000 + i,
  };
});
const completed = tickets.filter((t) => t.status === 'completed');
const revisits: Record_[] = completed
  .filter((_, i) => i % 3 !== 2)
  .map((t, i) => ({
    revisit_id: `HF${String(i + 1).padStart(4, '0')}`,
    ticket_id: t.ticket_id!,
    revisit_at: plusMinutes(t.completed_at as Date, 24 * 60 + i),
    reached: i % 4 !== 3,
    result: i % 4 === 3 ? null : (['satisfied', 'satisfied', 'neutral', 'unsatisfied', 'satisfied'] as const)[i % 5]!,
    on_time_answer: i % 4 === 3 ? null : true,
    shoe_covers: i % 4 === 3 ? null : i % 6 !== 0,
    uniform_badge: i % 4 === 3 ? null : true,
    reason: i % 5 === 3 ? '师傅态度不好，没有解释' : null,
  }));
const complaints: Record_[] = [
  { complaint_id: 'TS01', ticket_id: tickets[1]!.ticket_id!, received_at: at(5, 9, 30), category: 'service_attitude', responsible: 'technician', verified: true },
  { complaint_id: 'TS02', ticket_id: tickets[4]!.ticket_id!, received_at: at(8, 15, 0), category: 'overcharge', responsible: 'outlet', verified: true },
  { complaint_id: 'TS03', ticket_id: tickets[9]!.ticket_id!, received_at: at(12, 11, 5), category: 'untimely', responsible: 'technician', verified: false },
];
const violations: Record_[] = [
  { violation_id: 'WG01', technician_id: 1001, occurred_at: at(10, 10, 0), rule_id: 'IMAGE', amount: null },
  { violation_id: 'WG02', technician_id: 1002, occurred_at: at(11, 14, 7), rule_id: 'SAFETY', amount: 200 },
];
// appeals of the two manual lines: waived, and reduced from 200 to 150; one still pending
const appeals: Record_[] = [
  { appeal_id: 'SS01', line_id: 'IMAGE:WG01', submitted_at: at(12, 9, 0), decision: 'waived', decided_amount: null, decided_at: at(14, 16, 30), reason: '当天有工作证' },
  { appeal_id: 'SS02', line_id: 'SAFETY:WG02', submitted_at: at(12, 9, 5), decision: 'reduced', decided_amount: 150, decided_at: at(14, 16, 45), reason: null },
  { appeal_id: 'SS03', line_id: 'SAFETY:WG02', submitted_at: at(13, 10, 0), decision: 'pending', decided_amount: null, decided_at: null, reason: null },
];
const DATA: Record<KindName, Record_[]> = { tickets, revisits, complaints, violations, technicians, outlets, appeals };
const FILE_NAMES: Record<KindName, string> = { tickets: '工单_2026-03', revisits: '回访_2026-03', complaints: '投诉_2026-03', violations: '违规_2026-03', technicians: '工程师', outlets: '网点', appeals: '申诉_2026-03' };

// ---- the three forms ---------------------------------------------------------------------------

const CHINESE: Record<string, string> = {
  install: '安装', repair: '维修', completed: '已完成', cancelled: '已取消', satisfied: '满意', neutral: '一般', unsatisfied: '不满意',
  service_attitude: '服务态度', overcharge: '收费不合理', untimely: '服务不及时', technician: '工程师', outlet: '网点',
  service_center: '服务中心', repair_shop: '专修部', active: '在职', left: '离职',
  waived: '撤销', reduced: '减免', pending: '待处理',
};
const pad2 = (n: number) => String(n).padStart(2, '0');
const iso = (d: Date) => `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
const excelStyle = (d: Date) => `${d.getUTCFullYear()}/${d.getUTCMonth() + 1}/${d.getUTCDate()} ${d.getUTCHours()}:${pad2(d.getUTCMinutes())}`;
const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

function utf8Value(v: Value): string {
  if (v === null) return '';
  if (v instanceof Date) return iso(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  return String(v);
}

function gbkValue(column: string, v: Value): string {
  if (v === null) return '';
  if (v instanceof Date) return excelStyle(v);
  if (typeof v === 'boolean') return column === 'reached' ? (v ? '已接通' : '空号') : v ? '是' : '否';
  if (typeof v === 'number') return column.startsWith('fee') || column === 'amount' ? `￥${v.toFixed(2)}` : String(v);
  return CHINESE[v] ?? v;
}

function xlsxValue(v: Value): Value {
  if (typeof v === 'string') return CHINESE[v] ?? v;
  return v;
}

async function writeForms(root: string): Promise<Record<'utf8' | 'gbk' | 'xlsx', string>> {
  const dirs = { utf8: join(root, 'utf8'), gbk: join(root, 'gbk'), xlsx: join(root, 'xlsx') };
  for (const d of Object.values(dirs)) mkdirSync(d);
  for (const kind of KINDS) {
    const rows = DATA[kind.kind];
    const columns = kind.columns.map((c) => c.name).filter((c) => rows.some((r) => c in r));
    const chinese = columns.map((c) => kind.columns.find((k) => k.name === c)!.aliases[0]!);
    const name = FILE_NAMES[kind.kind];

    writeFileSync(join(dirs.utf8, `${name}.csv`), [columns.join(','), ...rows.map((r) => columns.map((c) => csvField(utf8Value(r[c] ?? null))).join(','))].join('\n') + '\n');
    const gbkText = [chinese.join(','), ...rows.map((r) => columns.map((c) => csvField(gbkValue(c, r[c] ?? null))).join(','))].join('\r\n') + '\r\n';
    writeFileSync(join(dirs.gbk, `${name}.csv`), iconv.encode(gbkText, 'gbk'));

    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet(name.replace(/_.*/, ''));
    sheet.addRow(chinese);
    for (const r of rows) sheet.addRow(columns.map((c) => xlsxValue(r[c] ?? null)));
    await workbook.xlsx.writeFile(join(dirs.xlsx, `${name}.xlsx`));
  }
  return dirs;
}

// ---- loading and comparing ---------------------------------------------------------------------

const STORED = KINDS.map((k) => k.table);

async function outputsOf(dir: string): Promise<Record<string, unknown>> {
  const db = await Db.open(':memory:');
  try {
    await applyConfig(db, defaultConfig());
    await loadFolder(db, dir);
    await buildModels(db);
    const out: Record<string, unknown> = {
      batches: await db.all(`select kind, rows_read, rows_loaded, rows_rejected from load_batches order by batch_id`),
      rejects: await db.all(`select * exclude (batch_id, file, raw_line) from load_rejects order by all`),
    };
    for (const table of [...STORED, ...MODELS.map((m) => m.name)]) out[table] = await db.all(`select * from ${table} order by all`);
    return out;
  } finally {
    db.close();
  }
}

let root: string;
let outputs: Record<'utf8' | 'gbk' | 'xlsx', Record<string, unknown>>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sq-formats-'));
  const dirs = await writeForms(root);
  outputs = { utf8: await outputsOf(dirs.utf8), gbk: await outputsOf(dirs.gbk), xlsx: await outputsOf(dirs.xlsx) };
}, 60_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('one month as UTF-8 CSV, GBK CSV and .xlsx', () => {
  it('loads every row of every kind, in every form, without a reject', () => {
    for (const form of ['utf8', 'gbk', 'xlsx'] as const) {
      expect(outputs[form].rejects, form).toEqual([]);
      expect(outputs[form].batches, form).toEqual(
        KINDS.map((k) => ({ kind: k.kind, rows_read: DATA[k.kind].length, rows_loaded: DATA[k.kind].length, rows_rejected: 0 })),
      );
    }
  });

  it('keeps 14:07 as 14:07, ids and phone numbers with all their digits', () => {
    const stored = outputs.xlsx.violations as Record<string, unknown>[];
    expect(stored.find((v) => v.violation_id === 'WG02')).toMatchObject({ technician_id: '1002', occurred_at: '2026-03-11 14:07:00', amount: 200 });
    const ticket = (outputs.xlsx.tickets as Record<string, unknown>[]).find((t) => t.ticket_id === 'GD2603001');
    expect(ticket).toMatchObject({ technician_id: '1001', customer_phone: '13800001000', created_at: '2026-03-01 08:00:00', fee_charged: 120 });
  });

  it('gives identical stored records and output tables', () => {
    for (const table of Object.keys(outputs.utf8)) {
      expect(outputs.gbk[table], `GBK: ${table}`).toEqual(outputs.utf8[table]);
      expect(outputs.xlsx[table], `xlsx: ${table}`).toEqual(outputs.utf8[table]);
    }
    // the outputs are not trivially empty
    expect((outputs.utf8.kpi_technician_month as unknown[]).length).toBeGreaterThan(0);
    expect((outputs.utf8.penalty_lines as unknown[]).length).toBeGreaterThan(0);
  });
});
