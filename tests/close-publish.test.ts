// The close's published files (spec 6, dashboard/DATA.md) on a fixture made as HR makes it
// (tests/close-fixture.ts: exports loaded, January closed by the close command, a late export and
// appeals loaded after): closes.json and audit/closes.json, the adjustments booked into the open
// month (penalty and settlement) with their outlets' copies, the appeals of each month without
// their reason, the penalty totals' adjustments and amount due, each worked out by hand and held
// against the tables; who may read each (through the real server); and a second close by the
// command line, after which the first open month moves on and the files of the month closed stay
// the same bytes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Db, type Row } from '../pipeline/common/db.ts';
import { monthFiles } from '../pipeline/publish/index.ts';
import { APPEAL_REASON_MARK, makeCloseFixture, type CloseFixture } from './close-fixture.ts';
import { outletFilesOf, outletRows, renderedOutletFileOrNull } from './downloads.ts';
import { signIn, TEST_SESSION_KEY, writeUsersFile } from './sign-in.ts';

let work: string;
let fixture: CloseFixture;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sq-close-publish-'));
  fixture = await makeCloseFixture(work);
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const manifest = () => JSON.parse(readFileSync(join(fixture.out, 'manifest.json'), 'utf8')) as { folder: string; months: string[] };
const text = (path: string) => readFileSync(join(fixture.out, manifest().folder, path), 'utf8');
const file = (path: string) => JSON.parse(text(path)) as Row[];

async function query(sql: string): Promise<Row[]> {
  const db = await Db.open(fixture.db);
  try {
    return await db.all(sql);
  } finally {
    db.close();
  }
}

/** Every file of the run folder, by its path inside it. */
function runFiles(): string[] {
  const dir = join(fixture.out, manifest().folder);
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile()).sort();
}

describe('the close\'s files', () => {
  it('lists the closed month for every account, without money, and in full for HR, as month_closes has it', async () => {
    const [close] = await query(`select month, strftime(closed_at, '%Y-%m-%d %H:%M:%S') as closed_at, closed_by, sha256 from month_closes`);
    expect(close).toMatchObject({ month: '2026-01', closed_by: 'hr-anna', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(file('closes.json')).toEqual([close]);
    // HR's: the close as the table has it; January's three lines (IMAGE 20, FOUR_NOTS 100, IMAGE 20)
    // and its eight settled tickets at 60, hashed over 3 + 8 lines
    expect(file('audit/closes.json')).toEqual([
      { ...close, lines: 3, amount: 140, adjustments: 0, amount_due: 140, outlet_fine_lines: 0, outlet_fines: 0, settlement_lines: 8, settlement_fees: 480, settlement_adjustments: 0, hashed_lines: 11 },
    ]);
    const [full] = await query(`select * exclude (closed_at) from month_closes`);
    expect(file('audit/closes.json')[0]).toMatchObject(full!);
  });

  it("books the late export's and the appeal's changes of January into February, with the names and the reasons", async () => {
    const image = { rule_id: 'IMAGE', rule_name_zh: '上门形象不规范', rule_name_en: 'Uniform or badge not shown' };
    const line = (line_id: string, technician_id: string, technician_name: string, outlet_id: string, rule: object, amount: number, reason: string) =>
      ({ month: '2026-02', original_month: '2026-01', line_id, technician_id, technician_name, outlet_id, ...rule, amount, reason });
    const shoeCovers = { rule_id: 'NO_SHOE_COVERS', rule_name_zh: '未穿鞋套或未铺垫布', rule_name_en: 'No shoe covers or floor mat' };
    // by technician, then original month, line, reason
    expect(file('adjustments/2026-02.json')).toEqual([
      line('IMAGE:V1', 'T1', '张伟', 'W1', image, -20, 'appeal'),
      line('IMAGE:V9', 'T2', '李娜', 'W1', image, 20, 'new_line'),
      line('IMAGE:V3', 'T3', '王强', 'W2', image, -20, 'line_gone'),
      line('NO_SHOE_COVERS:V3', 'T3', '王强', 'W2', shoeCovers, 50, 'new_line'),
    ]);
    expect(file('settlement_adjustments/2026-02.json')).toEqual([
      { month: '2026-02', original_month: '2026-01', line_id: 'SETTLE:GD002', outlet_id: 'W1', outlet_name: '济南历下服务中心', rule_id: 'SETTLE', amount: 60, net_effect: 60, reason: 'new_line' },
    ]);
    for (const month of ['2026-01', '2026-03']) {
      expect(text(`adjustments/${month}.json`), month).toBe('[]\n');
      expect(text(`settlement_adjustments/${month}.json`), month).toBe('[]\n');
    }
    // the same rows as the tables, every month
    for (const [family, table] of [['adjustments', 'penalty_adjustments'], ['settlement_adjustments', 'settlement_adjustments']] as const) {
      const published = manifest().months.flatMap((m) => file(`${family}/${m}.json`).map(({ technician_name: _t, outlet_name: _o, rule_name_zh: _z, rule_name_en: _e, ...row }) => row));
      const stored = await query(`select * from ${table}`);
      expect(published.sort(byLine), family).toEqual(stored.sort(byLine));
    }
  });

  it('gives the totals of the open month their adjustments and the amount due, and a closed month none', async () => {
    const totals = (month: string) => file(`penalties/${month}.json`).map((r) => [r.technician_id, r.amount, r.adjustments, r.amount_due]);
    expect(totals('2026-02')).toEqual([
      ['T1', 10, -20, -10],
      ['T2', 0, 20, 20],
      ['T3', 20, 30, 50],
    ]);
    expect(totals('2026-01')).toEqual([
      ['T1', 20, 0, 20],
      ['T2', 100, 0, 100],
      ['T3', 20, 0, 20],
    ]);
    const stored = await query(`select technician_id, amount, adjustments, amount_due from penalty_totals where month = '2026-02' order by technician_id`);
    expect(totals('2026-02')).toEqual(stored.map((r) => [r.technician_id, r.amount, r.adjustments, r.amount_due]));
  });

  it("lists each month's appeals by the line's month, with every decision and which stands, never the reason", async () => {
    const pick = (month: string) => file(`appeals/${month}.json`).map((r) => [r.appeal_id, r.line_id, r.decision, r.decided_amount, r.decided_at, r.line_closed, r.standing]);
    expect(pick('2026-01')).toEqual([['A1', 'IMAGE:V1', 'waived', null, '2026-02-03 15:00:00', true, true]]);
    expect(pick('2026-02')).toEqual([
      ['A0', 'IMAGE:V4', 'upheld', null, '2026-02-07 09:00:00', false, false],
      ['A2', 'IMAGE:V4', 'reduced', 10, '2026-02-10 16:30:00', false, true],
      ['A3', 'NO_SHOE_COVERS:V5', 'waived', null, '2026-02-11 11:00:00', false, true],
      ['A4', 'IMAGE:V6', 'upheld', null, '2026-02-18 10:00:00', false, true],
    ]);
    expect(pick('2026-03')).toEqual([['A5', 'IMAGE:V7', 'pending', null, null, false, true]]);
    expect(Object.keys(file('appeals/2026-02.json')[0]!)).toEqual(['month', 'appeal_id', 'line_id', 'technician_id', 'outlet_id', 'rule_id', 'line_amount', 'decision', 'decided_amount', 'submitted_at', 'decided_at', 'line_closed', 'standing']);
    const stored = await query(`select appeal_id, line_month, decision, standing from appeals order by appeal_id`);
    const published = manifest().months.flatMap((m) => file(`appeals/${m}.json`).map((r) => ({ appeal_id: r.appeal_id, line_month: r.month, decision: r.decision, standing: r.standing })));
    expect(published.sort((a, b) => String(a.appeal_id).localeCompare(String(b.appeal_id)))).toEqual(stored);
    // the appellant's words (and the phone number among them) reach no published byte
    for (const path of runFiles().filter((f) => !f.endsWith('.gz') && !f.endsWith('.xlsx') && !f.endsWith('.parquet'))) {
      const body = text(path);
      expect(body.includes(APPEAL_REASON_MARK) || body.includes('13800001111'), path).toBe(false);
    }
    // nor the outlets' files, rendered from their rows
    const runDir = join(fixture.out, manifest().folder);
    const outletFiles = await outletFilesOf(runDir);
    expect(outletFiles.length).toBeGreaterThan(10);
    for (const path of outletFiles) {
      const body = (await renderedOutletFileOrNull(runDir, path))!.toString('utf8');
      expect(body.includes(APPEAL_REASON_MARK) || body.includes('13800001111'), path).toBe(false);
    }
  });

  it("gives each outlet its own adjustments, every month, as the month files' rows", async () => {
    const own = (outlet: string, file: string) => outletRows<Row>(join(fixture.out, manifest().folder), outlet, file);
    for (const outlet of ['W1', 'W2']) {
      for (const family of ['adjustments', 'settlement_adjustments']) {
        const all = manifest().months.flatMap((m) => file(`${family}/${m}.json`)).filter((r) => r.outlet_id === outlet);
        expect(await own(outlet, `${family}.json`), `${outlet} ${family}`).toEqual(all);
      }
    }
    expect((await own('W1', 'adjustments.json')).map((r) => r.line_id)).toEqual(['IMAGE:V1', 'IMAGE:V9']);
    expect(await own('W2', 'settlement_adjustments.json')).toEqual([]);
  });

  it('lists the month files among monthFiles(), so an incremental publish takes them over', () => {
    const files = new Set(runFiles());
    for (const month of manifest().months) {
      for (const family of ['adjustments', 'settlement_adjustments', 'appeals']) {
        expect(monthFiles(month)).toContain(`${family}/${month}.json`);
        expect(files.has(`${family}/${month}.json`), `${family}/${month}.json`).toBe(true);
      }
    }
  });
});

describe('who reads the close\'s files', () => {
  it('lets every account read closes.json, HR everything, an outlet its own adjustments, a manager none', async () => {
    const { buildServer } = await import('../dashboard/server.ts');
    const usersFile = join(work, 'users.json');
    const accounts = [
      { name: 'hr', role: 'hr' as const, password: 'hr-password-1' },
      { name: 'manager', role: 'manager' as const, password: 'manager-password-1' },
      { name: 'w1', role: 'outlet' as const, outlet: 'W1', password: 'outlet-password-1' },
    ];
    await writeUsersFile(usersFile, accounts);
    // the built page stands in as a small file of its name: this is about access
    mkdirSync(join(work, 'dist'), { recursive: true });
    writeFileSync(join(work, 'dist', 'audit.html'), '<!doctype html><title>audit</title>');
    const app = await buildServer({ dataDir: fixture.out, distDir: join(work, 'dist'), logger: false, usersFile, sessionKey: TEST_SESSION_KEY });
    try {
      const cookies = Object.fromEntries(await Promise.all(accounts.map(async (a) => [a.name, await signIn(app, a.name, a.password)] as const)));
      const get = async (who: string | null, path: string) =>
        (await app.inject({ method: 'GET', url: `/data/${manifest().folder}/${path}`, headers: who ? { cookie: cookies[who]! } : {} })).statusCode;
      const expected: [string, Record<string, number>][] = [
        ['closes.json', { hr: 200, manager: 200, w1: 200, anonymous: 401 }],
        ['audit/closes.json', { hr: 200, manager: 403, w1: 403, anonymous: 401 }],
        ['adjustments/2026-02.json', { hr: 200, manager: 403, w1: 403, anonymous: 401 }],
        ['settlement_adjustments/2026-02.json', { hr: 200, manager: 403, w1: 403, anonymous: 401 }],
        ['appeals/2026-02.json', { hr: 200, manager: 403, w1: 403, anonymous: 401 }],
        ['by_outlet/W1/adjustments.json', { hr: 200, manager: 403, w1: 200, anonymous: 401 }],
        ['by_outlet/W2/adjustments.json', { hr: 200, manager: 403, w1: 403, anonymous: 401 }],
        ['by_outlet/W1/settlement_adjustments.json', { hr: 200, manager: 403, w1: 200, anonymous: 401 }],
        ['by_outlet/W2/settlement_adjustments.json', { hr: 200, manager: 403, w1: 403, anonymous: 401 }],
      ];
      for (const [path, statuses] of expected) {
        for (const [who, status] of Object.entries(statuses)) expect(await get(who === 'anonymous' ? null : who, path), `${who} ${path}`).toBe(status);
      }
      // the page: HR's only
      for (const [who, status] of [['hr', 200], ['manager', 403], ['w1', 403]] as const) {
        expect((await app.inject({ method: 'GET', url: '/audit.html', headers: { cookie: cookies[who]! } })).statusCode, who).toBe(status);
      }
    } finally {
      await app.close();
    }
  }, 60_000);
});

describe('a second close, by the command line', () => {
  it('adds February to closes.json, keeps its adjustments byte for byte, and books nothing into March', () => {
    const before = text('adjustments/2026-02.json');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'pipeline/close-cli.ts', '--month', '2026-02', '--db', fixture.db, '--out', fixture.out, '--by', 'hr-bo', '--quiet'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr.replace(/npm warn.*\n/g, '')).toBe('');
    expect(run.status).toBe(0);
    expect(file('closes.json').map((r) => [r.month, r.closed_by])).toEqual([
      ['2026-01', 'hr-anna'],
      ['2026-02', 'hr-bo'],
    ]);
    expect(text('adjustments/2026-02.json')).toBe(before);
    expect(file('audit/closes.json')[1]).toMatchObject({ month: '2026-02', adjustments: 30, amount_due: 60 });
    expect(text('adjustments/2026-03.json')).toBe('[]\n');
    expect(file('penalties/2026-03.json').map((r) => [r.technician_id, r.adjustments, r.amount_due])).toEqual([
      ['T1', 0, 20],
      ['T3', 0, 100],
    ]);
  }, 120_000);
});

function byLine(a: Row, b: Row): number {
  return `${a.month}|${a.line_id}|${a.reason}`.localeCompare(`${b.month}|${b.line_id}|${b.reason}`);
}
