// Properties of the loader on random damage to a valid export: it never crashes, every row read is
// loaded or rejected on a line of its own (read = loaded + rejected, no line counted twice), no key
// appears that the export does not hold, and mess that loses nothing (another encoding, other line
// breaks, blank lines, full-width forms, a repeated header, summary rows) loads the same rows.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../pipeline/common/config.ts';
import { Db } from '../pipeline/common/db.ts';
import { loadFolder } from '../pipeline/load/index.ts';
import { applyConfig } from '../pipeline/build/index.ts';

const HEADER = ['工单号', '网点编号', '工程师工号', '服务类型', '受理时间', '完工时间', '工单状态', '联系电话', '产品品类'];
const ROWS = [
  ['GD1', 'W1', 'T1', '维修', '2026-03-01 09:00', '2026-03-02 13:00', '已完成', '13812345678', '空调'],
  ['GD2', 'W1', 'T2', '安装', '2026/3/1 9:05', '2026/3/2 14:00', '完工', '', '冰箱'],
  ['GD3', 'W2', 'T2', '保养', '2026-03-03 10:00', '', '处理中', '13912345678', '洗衣机'],
  ['GD4', 'W2', 'T3', 'repair', '2026-03-04T08:30:00', '2026-03-04T11:00:00', 'completed', '', '热水器'],
  ['GD5', 'W3', '', '咨询', '2026-03-05 14:07', '', '已取消', '', ''],
  ['GD6', 'W3', 'T4', '维修', '2026-03-06 16:45', '2026-03-07 10:00', '已完成', '', '油烟机'],
];

type Encoding = 'utf-8' | 'utf-8-bom' | 'gbk' | 'utf-16le';
type Eol = '\n' | '\r\n' | '\r' | 'mixed';

/** The export's bytes: header and data lines, with the given line breaks and encoding. */
function encode(dataLines: string[], eol: Eol, encoding: Encoding, finalEol: boolean): Buffer {
  const lines = [HEADER.join(','), ...dataLines];
  const breaks = ['\n', '\r\n', '\r'];
  let text = '';
  lines.forEach((line, i) => {
    const brk = eol === 'mixed' ? breaks[i % 3]! : eol;
    text += line + (i < lines.length - 1 || finalEol ? brk : '');
  });
  switch (encoding) {
    case 'utf-8':
      return Buffer.from(text);
    case 'utf-8-bom':
      return Buffer.from('\uFEFF' + text);
    case 'gbk':
      return iconv.encode(text, 'gbk');
    case 'utf-16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]);
  }
}

/** Lines put between the rows: [position among the data lines, text]. */
function withInserts(dataLines: string[], inserts: [number, string][]): string[] {
  const lines = [...dataLines];
  for (const [pos, line] of [...inserts].sort((a, b) => b[0] - a[0])) lines.splice(Math.min(pos, lines.length), 0, line);
  return lines;
}

const csvLine = (cells: string[]) => cells.map(quoteIfNeeded).join(',');

function quoteIfNeeded(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

const toFullWidth = (v: string) => v.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

const encodingArb = fc.constantFrom<Encoding>('utf-8', 'utf-8-bom', 'gbk', 'utf-16le');
const eolArb = fc.constantFrom<Eol>('\n', '\r\n', '\r', 'mixed');
const rowIndex = fc.nat({ max: ROWS.length - 1 });
const colIndex = fc.nat({ max: HEADER.length - 1 });

/** Damage that loses nothing: the same records must load. */
const harmless = fc.record({
  encoding: encodingArb,
  eol: eolArb,
  finalEol: fc.boolean(),
  blankLines: fc.array(fc.tuple(fc.nat({ max: ROWS.length }), fc.constantFrom('', '   ', ',,,,,,,,', '合计,,,,,,,,', HEADER.join(','), ',,,,,,总计：6单,,')), { maxLength: 4 }),
  fullWidth: fc.array(fc.tuple(rowIndex, fc.constantFrom(0, 1, 2, 4, 5, 7)), { maxLength: 4 }),
  padded: fc.array(fc.tuple(rowIndex, colIndex), { maxLength: 4 }),
  duplicated: fc.array(rowIndex, { maxLength: 2 }),
});

/** Any damage: values dropped or broken, rows doubled, quotes and line breaks where they do not belong. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), row: rowIndex, col: colIndex }),
  fc.record({ kind: fc.constant('break_timestamp' as const), row: rowIndex, col: fc.constantFrom(4, 5), text: fc.constantFrom('2026-02-30 25:61', 'n/a', '45xyz', '2026-03-05 14:07+08', '') }),
  fc.record({ kind: fc.constant('duplicate' as const), row: rowIndex }),
  fc.record({ kind: fc.constant('splice' as const), row: rowIndex, col: colIndex, at: fc.nat({ max: 12 }), text: fc.constantFrom('"', '""', '\n', '\r', '\r\n', ',', ' "', '" ', '\t') }),
  fc.record({ kind: fc.constant('truncate_row' as const), row: rowIndex, keep: fc.nat({ max: HEADER.length }) }),
  fc.record({ kind: fc.constant('extra_cell' as const), row: rowIndex }),
);

let work: string;
let db: Db;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sq-property-'));
  // one database for every run: each run is a batch of its own, checked by its batch id
  db = await Db.open(':memory:');
  await applyConfig(db, defaultConfig());
});
afterAll(() => {
  db.close();
  rmSync(work, { recursive: true, force: true });
});

let runs = 0;
/**
 * Loads the bytes as one export and checks the accounting: read = loaded + rejected, each row
 * read on a line of its own within the file. Returns the batch's stored rows and rejects, or
 * undefined when the very same bytes were loaded by an earlier run.
 */
async function load(file: string, bytes: Buffer, physicalLines: number) {
  const dir = join(work, String(runs++));
  mkdirSync(dir);
  writeFileSync(join(dir, file), bytes);
  try {
    const [outcome] = await loadFolder(db, dir);
    if (outcome?.status === 'already_loaded') return undefined;
    if (outcome?.status !== 'loaded') throw new Error(`not loaded: ${JSON.stringify(outcome)}`);
    const table = file.startsWith('工单') ? 'tickets' : 'technicians';
    const batch = outcome.batchId;
    const [counts] = await db.all(`select rows_read, rows_loaded, rows_rejected from load_batches where batch_id = ${batch}`);
    const rejects = await db.all(`select line, reason from load_rejects where batch_id = ${batch}`);
    const stored = await db.all(`select * exclude (batch_id, source_line) from ${table} where batch_id = ${batch} order by all`);
    const lines = [
      ...(await db.all(`select source_line as line from ${table} where batch_id = ${batch}`)).map((r) => Number(r.line)),
      ...rejects.map((r) => Number(r.line)),
    ];
    expect(counts).toEqual({ rows_read: outcome.rowsRead, rows_loaded: outcome.rowsLoaded, rows_rejected: outcome.rowsRejected });
    expect(outcome.rowsRead).toBe(outcome.rowsLoaded + outcome.rowsRejected);
    expect(rejects.length).toBe(outcome.rowsRejected);
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.length).toBe(outcome.rowsRead);
    for (const line of lines) expect(line >= 1 && line <= physicalLines, `line ${line} of ${physicalLines}`).toBe(true);
    return { stored, rejects };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const textOf = (bytes: Buffer, encoding: Encoding) =>
  encoding === 'gbk' ? iconv.decode(bytes, 'gbk') : encoding === 'utf-16le' ? iconv.decode(bytes, 'utf-16le') : bytes.toString('utf8');
const physicalLinesOf = (bytes: Buffer, encoding: Encoding) => textOf(bytes, encoding).split(/\r\n|\n|\r/).length;

describe('the loader under random damage', () => {
  let clean: Record<string, unknown>[];
  beforeAll(async () => {
    const bytes = encode(ROWS.map(csvLine), '\n', 'utf-8', true);
    clean = (await load('工单.csv', bytes, physicalLinesOf(bytes, 'utf-8')))!.stored;
    expect(clean.map((r) => r.ticket_id)).toEqual(['GD1', 'GD2', 'GD3', 'GD4', 'GD5', 'GD6']);
  });

  it('loads the same rows whatever the encoding, line breaks, blank lines, full-width forms, repeated headers or summary rows', async () => {
    await fc.assert(
      fc.asyncProperty(harmless, async (h) => {
        const rows = ROWS.map((r) => [...r]);
        for (const [r, c] of h.fullWidth) rows[r]![c] = toFullWidth(rows[r]![c]!);
        for (const [r, c] of h.padded) rows[r]![c] = ` ${rows[r]![c]!}\u3000`;
        const inserts: [number, string][] = h.blankLines.map(([pos, text]) => [pos, text]);
        // a row repeated later in the file is a duplicate key: rejected, and the first one stays
        for (const r of h.duplicated) inserts.push([ROWS.length, ROWS[r]!.join(',')]);
        const bytes = encode(withInserts(rows.map(csvLine), inserts), h.eol, h.encoding, h.finalEol);
        const result = await load('工单.csv', bytes, physicalLinesOf(bytes, h.encoding));
        if (!result) return; // the same bytes as an earlier run
        expect(result.stored).toEqual(clean);
        // every inserted line but a blank one is a row read and rejected
        expect(result.rejects.length).toBe(inserts.filter(([, t]) => t !== '').length);
      }),
      { numRuns: 30 },
    );
  });

  it('never crashes and never breaks the accounting, whatever the damage', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { maxLength: 5 }), encodingArb, eolArb, fc.boolean(), async (mutations, encoding, eol, finalEol) => {
        // a row is cells until raw text is spliced into its line
        const rows: { cells: string[]; raw?: string }[] = ROWS.map((r) => ({ cells: [...r] }));
        const inserts: [number, string][] = [];
        const lineOf = (r: { cells: string[]; raw?: string }) => r.raw ?? csvLine(r.cells);
        for (const m of mutations) {
          const row = rows[m.row]!;
          switch (m.kind) {
            case 'drop':
              row.cells[m.col] = '';
              break;
            case 'break_timestamp':
              row.cells[m.col] = m.text;
              break;
            case 'duplicate':
              inserts.push([m.row + 1, lineOf(row)]);
              break;
            case 'splice': {
              // raw text in a raw line: quotes and line breaks where they do not belong
              const line = lineOf(row);
              const at = Math.min(m.at * (m.col + 1), line.length);
              row.raw = line.slice(0, at) + m.text + line.slice(at);
              break;
            }
            case 'truncate_row':
              row.cells = row.cells.slice(0, m.keep);
              break;
            case 'extra_cell':
              row.cells.push('多余');
              break;
          }
        }
        const bytes = encode(withInserts(rows.map(lineOf), inserts), eol, encoding, finalEol);
        const result = await load('工单.csv', bytes, physicalLinesOf(bytes, encoding));
        if (!result) return;
        // nothing invented: every key loaded is written in the export
        const written = textOf(bytes, encoding).normalize('NFKC');
        for (const r of result.stored) expect(written.includes(String(r.ticket_id)), String(r.ticket_id)).toBe(true);
        expect(new Set(result.stored.map((r) => r.ticket_id)).size).toBe(result.stored.length);
      }),
      { numRuns: 40 },
    );
  });

  it('splits records as DuckDB does, whatever bytes follow the header', async () => {
    // the pre-pass counts records on its own; a disagreement with DuckDB's reader fails the load
    const token = fc.constantFrom('a', 'T1', ',', ',', '"', '""', ' ', '\t', ';', '\n', '\n', '\r', '\r\n', '合计', '工');
    // plain, one column, quoted, and quoted with a line break and a doubled quote
    const headers = ['technician_id,name,outlet_id,status', 'technician_id', '"technician_id","name","outlet_id","status"', 'technician_id,"name\r\n(姓名)",outlet_id,"sta""tus"'];
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.constantFrom(...headers), async (tokens, eol, header) => {
        const text = header + eol + tokens.join('');
        await load('工程师.csv', Buffer.from(text), text.split(/\r\n|\n|\r/).length);
      }),
      { numRuns: 80 },
    );
  });
});
