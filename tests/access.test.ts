// Who sees what (spec §7), through the real server with fastify.inject: the sample published by the
// pipeline, and EVERY file of the run asked for by nobody, HR, a manager and two outlets, with
// every download (CSV and XLSX) and every file of the outlets' folders (rendered on request from the
// run's rows files: no file on disk, so their URLs are derived here from the rows files). The expected answer of each file is stated
// here on its own (not taken from the server's rules), and a file of a family this test does not
// know fails it: a new published family needs a decision.
// Then the contents an outlet or a manager can read, identical refusals for files that exist and
// files that do not, the routes, sign-in (rate limits, cookies, tampering, expiry, disabled
// accounts), the access log, and the users command.
import fs, { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildServer, type ServerOptions } from '../dashboard/server.ts';
import { outletFolderName as serverFolderName, safeNext, targetOf } from '../dashboard/server/access-rules.ts';
import { ConfigError } from '../dashboard/server/options.ts';
import { DataStore, runUrl, scopedPath } from '../dashboard/src/lib/data.ts';
import { readUsers, writeUsers } from '../dashboard/users/accounts.ts';
import { usersCommand } from '../dashboard/users/cli.ts';
import { outletFolderName as publishedFolderName } from '../pipeline/publish/outlet-files.ts';
import { outletFilesOf, outletRows, renderedLinesPage, renderedOrNull, renderedOutletFileOrNull } from './downloads.ts';
import { signIn, TEST_COST, TEST_SESSION_KEY, writeUsersFile, type TestAccount } from './sign-in.ts';

type Who = 'anonymous' | 'hr' | 'manager' | 'outletA' | 'outletB';
const CALLERS: Who[] = ['anonymous', 'hr', 'manager', 'outletA', 'outletB'];
const PAGES = ['index', 'technicians', 'outlets', 'penalties', 'settlement', 'quality', 'backlog', 'audit'];
const RANKING_KEYS = ['month', 'outlet_id', 'outlet_name', 'tier', 'city', 'composite', 'outlet_rank', 'tier_rank', 'previous_outlet_rank', 'rank_change', 'previous_tier_rank', 'tier_rank_change'];
const original = fs.stat.bind(fs);
const MONEY_KEYS = ['amount', 'overcharge', 'fees', 'outlet_fines', 'net', 'withheld_fees', 'fee'];

let work: string;
let dataDir: string;
let distDir: string;
let usersFile: string;
let app: FastifyInstance;
let latest: string;
let runFolder: string;
const logs: string[] = [];
const accounts = {} as Record<Exclude<Who, 'anonymous'>, TestAccount>;
const cookies: Partial<Record<Who, string>> = {};
/** every published file, as its path in the data folder (gzip copies are asked for by their JSON) */
let files: string[] = [];
/** every download of the run (rendered on request: not in files), as its path in the data folder */
let downloads: string[] = [];
/** every file of the outlets' folders (rendered on request: not in files), as its path in the data folder */
let outletFiles: string[] = [];
/** HR's statement lines of every month (penalty_lines/<month>.json, rendered on request: not in files) */
let linesPages: string[] = [];
/** files, downloads and outlet files: everything the run publishes under /data/ */
let published: string[] = [];

const ROWS_FAMILIES = ['penalty_lines', 'penalty_totals', 'penalty_reasons', 'technician_names', 'outlet_names', 'settlement_totals', 'settlement_withheld', 'outlet_fines'];
const SETTLEMENT_INPUTS = ['settlement_totals', 'settlement_withheld', 'outlet_fines'];
const OUTLET_ROWS_FAMILIES = ['outlets', 'technicians', 'penalties', 'outlet_penalties', 'outlet_history', 'adjustments', 'settlement_adjustments', 'settlement_withheld', 'technician_names'];
// the outlets' settlement rows, a file a month (an incremental publish takes a month's over)
const OUTLET_MONTH_ROWS_FAMILIES = ['settlement'];
const DOWNLOAD_VARIANTS = ['csv', 'xlsx', 'en.csv', 'en.xlsx'];
const MONTH_FILE = /(\d{4}-\d{2})\.[a-z]+$/;

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [relative(dataDir, path).split('\\').join('/')];
  });
}

/** The URL of a file of the data folder: each segment encoded (outlet folders hold '%'). */
function dataUrl(path: string): string {
  return `/data/${path.split('/').map(encodeURIComponent).join('/')}`;
}

function serverOptions(extra: Partial<ServerOptions> = {}): ServerOptions {
  const stream = { write: (line: string) => void logs.push(line) };
  return { dataDir, distDir, usersFile, sessionKey: TEST_SESSION_KEY, logger: { level: 'info', stream }, ...extra };
}

function as(who: Who, options: InjectOptions, server = app) {
  const cookie = cookies[who];
  return server.inject({ ...options, headers: { ...(cookie ? { cookie } : {}), ...options.headers } });
}

const folderOf = (who: 'outletA' | 'outletB') => publishedFolderName(accounts[who].outlet!);

/** The rows of a JSON file of the data folder: a file, or HR's statement lines of a month as the server makes them. */
async function runJson<T>(path: string): Promise<T[]> {
  const [runs, run, family, name] = path.split('/');
  if (family === 'penalty_lines' && name !== undefined) return JSON.parse((await renderedLinesPage(join(dataDir, runs!, run!), name.slice(0, 7)))!.toString('utf8')) as T[];
  return JSON.parse(readFileSync(join(dataDir, path), 'utf8')) as T[];
}

/** The months of the files of the run right under this folder (penalties, download_rows/settlement_totals …) with this extension. */
const monthsOf = (folder: string, extension: string) =>
  files.filter((f) => f.startsWith(`${runFolder}/${folder}/`) && f.endsWith(extension) && f.split('/').length === folder.split('/').length + 3).map((f) => MONTH_FILE.exec(f)![1]!).sort();

/**
 * The downloads of the run, from its rows files: HR's penalty statements of each month with penalty
 * rows, HR's settlement of each month with settlement rows, and the statement of each outlet with a
 * row in that month's settlement rows, in its folder.
 */
async function downloadsOfRun(): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    const found: string[] = [];
    const each = (path: string) => DOWNLOAD_VARIANTS.map((variant) => `${path}.${variant}`);
    for (const month of monthsOf('download_rows/penalty_lines', '.parquet')) found.push(...each(`${runFolder}/penalties/${month}`));
    for (const month of monthsOf('download_rows/settlement_totals', '.parquet')) {
      found.push(...each(`${runFolder}/settlement/${month}`));
      // an outlet with a row in the month's statement: a settlement row, a fine or a ticket withheld
      const inputs = SETTLEMENT_INPUTS.map((input) => `select outlet_id from read_parquet('${join(dataDir, runFolder, 'download_rows', input, `${month}.parquet`)}')`);
      const ids = (await connection.runAndReadAll(`select distinct outlet_id from (${inputs.join(' union all ')}) where outlet_id is not null order by 1`)).getRows().map(([id]) => String(id));
      for (const id of ids) found.push(...each(`${runFolder}/by_outlet/${publishedFolderName(id)}/settlement/${month}`));
    }
    return found;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dashboard-access-'));
  dataDir = join(work, 'data');
  distDir = join(work, 'dist');
  usersFile = join(work, 'users.json');
  const { runPipeline } = await import('../pipeline/run.ts');
  const { defaultConfig } = await import('../pipeline/common/config.ts');
  await runPipeline({ input: 'data/sample', db: join(work, 'warehouse.duckdb'), out: dataDir, config: defaultConfig() });
  const manifest = JSON.parse(readFileSync(join(dataDir, 'manifest.json'), 'utf8')) as { folder: string; latest_month: string };
  latest = manifest.latest_month;
  runFolder = manifest.folder;
  files = walk(dataDir).filter((f) => !f.endsWith('.gz') && !f.split('/').some((s) => s.startsWith('.')));
  downloads = await downloadsOfRun();
  outletFiles = (await outletFilesOf(join(dataDir, runFolder))).map((path) => `${runFolder}/${path}`);
  linesPages = monthsOf('download_rows/penalty_lines', '.parquet').map((month) => `${runFolder}/penalty_lines/${month}.json`);
  published = [...files, ...downloads, ...outletFiles, ...linesPages];

  // the built pages stand in as small files of the same names: this suite is about access
  for (const page of [...PAGES, 'sign-in']) write(join(distDir, `${page}.html`), `<!doctype html><title>${page}</title>`);
  write(join(distDir, 'overview.js'), 'export {};');
  write(join(distDir, 'styles', 'dashboard.css'), 'body {}');

  const ranked = JSON.parse(readFileSync(join(dataDir, runFolder, 'outlets', `${latest}.json`), 'utf8')) as { outlet_id: string }[];
  accounts.hr = { name: 'hr', role: 'hr', password: 'hr-password-1' };
  accounts.manager = { name: 'manager', role: 'manager', password: 'manager-password-1' };
  accounts.outletA = { name: 'outlet-a', role: 'outlet', outlet: ranked[0]!.outlet_id, password: 'outlet-a-password-1' };
  accounts.outletB = { name: 'outlet-b', role: 'outlet', outlet: ranked[1]!.outlet_id, password: 'outlet-b-password-1' };
  await writeUsersFile(usersFile, Object.values(accounts));
  app = await buildServer(serverOptions());
  for (const [who, account] of Object.entries(accounts) as [Who, TestAccount][]) cookies[who] = await signIn(app, account.name, account.password);
}, 120_000);

afterAll(async () => {
  await app?.close();
  rmSync(work, { recursive: true, force: true });
});

/**
 * The family of a published file, as this test knows the families: `own` for an outlet's folder.
 * An unknown family throws, so that a new file family cannot be published without a decision here.
 */
function familyOf(path: string): { family: string; folder: string | null } {
  if (path === 'manifest.json') return { family: 'manifest', folder: null };
  const inRun = path.split('/').slice(2);
  if (inRun[0] === 'by_outlet') return { family: `own/${inRun.slice(2).join('/').replace(/\d{4}-\d{2}/, 'M')}`, folder: inRun[1]! };
  const name = inRun.join('/').replace(/\d{4}-\d{2}/, 'M');
  const known: Record<string, string> = {
    'run.json': 'run', 'network.json': 'network', 'quality.json': 'quality', 'backlog.json': 'backlog',
    'ranking/M.json': 'ranking', 'technicians/M.json': 'technicians', 'outlets/M.json': 'outlets', 'outlet_history.json': 'outlet_history',
    'penalties/M.json': 'penalty_totals', 'penalty_lines/M.json': 'statement_lines', 'penalties/M.csv': 'hr_download',
    'penalties/M.xlsx': 'hr_download', 'penalties/M.en.csv': 'hr_download', 'penalties/M.en.xlsx': 'hr_download', 'outlet_penalties/M.json': 'outlet_fines',
    // the outlets' settlement (spec 5.4): every outlet's, HR's alone
    'settlement/M.json': 'settlement', 'settlement/M.csv': 'settlement', 'settlement/M.xlsx': 'settlement',
    'settlement/M.en.csv': 'settlement', 'settlement/M.en.xlsx': 'settlement',
    // the close (spec 6): which months are closed, for everyone; the rest HR's
    'closes.json': 'closes', 'audit/closes.json': 'audit', 'adjustments/M.json': 'adjustments', 'settlement_adjustments/M.json': 'adjustments', 'appeals/M.json': 'audit',
    // the rows the downloads and the outlets' files are rendered from: read by the server only, listed for nobody
    ...Object.fromEntries(ROWS_FAMILIES.map((family) => [`download_rows/${family}/M.parquet`, 'download_rows'])),
    ...Object.fromEntries(OUTLET_ROWS_FAMILIES.map((family) => [`outlet_rows/${family}.parquet`, 'download_rows'])),
    ...Object.fromEntries(OUTLET_MONTH_ROWS_FAMILIES.map((family) => [`outlet_rows/${family}/M.parquet`, 'download_rows'])),
  };
  if (known[name]) return { family: known[name]!, folder: null };
  if (/^technician_history\/\d{2}\.json$/.test(name)) return { family: 'technician_history', folder: null };
  if (/^tables\/[a-z_]+\.parquet$/.test(name) || name === 'tables/settlement_lines/M.parquet') return { family: 'tables', folder: null };
  throw new Error(`a published file of a family this test does not know: ${path}`);
}

const OWN_FAMILIES = ['own/technicians.json', 'own/penalties.json', 'own/penalty_lines.json', 'own/outlet_penalties.json', 'own/outlet_history.json', 'own/adjustments.json', 'own/settlement_adjustments.json'];
const MANAGER_FAMILIES = ['manifest', 'run', 'network', 'closes', 'quality', 'backlog', 'ranking', 'technicians', 'technician_history', 'outlets', 'outlet_history', 'penalty_totals', 'own/technicians.json', 'own/penalties.json', 'own/outlet_history.json'];
// an outlet's own settlement: its totals, its lines, its tickets withheld, its statement downloads of each month (never a manager's)
OWN_FAMILIES.push('own/settlement.json', 'own/settlement_lines.json', 'own/settlement_withheld.json', 'own/settlement/M.csv', 'own/settlement/M.xlsx', 'own/settlement/M.en.csv', 'own/settlement/M.en.xlsx');

/** Spec §7, stated for this test: what each caller may read. */
function expectedStatus(who: Who, path: string): number {
  const { family, folder } = familyOf(path);
  if (family.startsWith('own/') && !OWN_FAMILIES.includes(family)) throw new Error(`an outlet file this test does not know: ${path}`);
  // listed for nobody: not found, whoever asks
  if (family === 'download_rows') return 404;
  if (who === 'anonymous') return 401;
  if (who === 'hr') return 200;
  if (who === 'manager') return MANAGER_FAMILIES.includes(family) ? 200 : 403;
  const mine = family.startsWith('own/') && folder === folderOf(who);
  return mine || ['manifest', 'run', 'network', 'ranking', 'closes'].includes(family) ? 200 : 403;
}

describe('every published file, for every caller', () => {
  it('has the rows of the downloads of every month, and a download of every kind derived from them', () => {
    const months = monthsOf('penalties', '.json');
    expect(months.length).toBeGreaterThan(10);
    // the rows files: each family, every month of HR's penalty and settlement totals
    for (const family of ROWS_FAMILIES) expect(monthsOf(`download_rows/${family}`, '.parquet'), family).toEqual(months);
    expect(monthsOf('settlement', '.json')).toEqual(months);
    // none of the downloads is a file any more
    expect(files.filter((f) => /\.(csv|xlsx)$/.test(f))).toEqual([]);
    const kinds = new Set(downloads.map((d) => d.split('/').slice(2).join('/').replace(/^by_outlet\/[^/]+\//, 'by_outlet/F/').replace(/\d{4}-\d{2}/, 'M')));
    expect([...kinds].sort()).toEqual(['penalties', 'settlement', 'by_outlet/F/settlement'].flatMap((kind) => DOWNLOAD_VARIANTS.map((v) => `${kind}/M.${v}`)).sort());
    expect(downloads.filter((d) => d.includes('/by_outlet/')).length).toBeGreaterThan(months.length * 4);
    expect(new Set(downloads).size).toBe(downloads.length);
  });

  it('answers exactly the allow-list', async () => {
    expect(files.length).toBeGreaterThan(200);
    // no outlet's file is a file any more: each family's rows are, for every outlet
    expect(files.filter((f) => f.includes('/by_outlet/'))).toEqual([]);
    expect(outletFiles.length).toBeGreaterThan(50);
    expect(files.filter((f) => /\/outlet_rows\/[a-z_]+\.parquet$/.test(f)).map((f) => f.split('/').at(-1)).sort()).toEqual(OUTLET_ROWS_FAMILIES.map((family) => `${family}.parquet`).sort());
    for (const family of OUTLET_MONTH_ROWS_FAMILIES) expect(monthsOf(`outlet_rows/${family}`, '.parquet'), family).toEqual(monthsOf('settlement', '.json'));
    expect(files.filter((f) => f.includes('/outlet_rows/') && !/\/outlet_rows\/([a-z_]+|settlement\/\d{4}-\d{2})\.parquet$/.test(f))).toEqual([]);
    expect(files.filter((f) => f.includes('/download_rows/')).length).toBeGreaterThan(40);
    const wrong: string[] = [];
    for (const path of published) {
      for (const who of CALLERS) {
        const res = await as(who, { method: 'GET', url: dataUrl(path) });
        const expected = expectedStatus(who, path);
        if (res.statusCode !== expected) wrong.push(`${who} ${path}: ${res.statusCode}, expected ${expected}`);
      }
    }
    expect(wrong).toEqual([]);
    // every published path for every caller, the downloads rendered on request: 96-113 s on a slow
    // 2-core machine, too close to a 120 s limit
  }, 300_000);

  it('gives an outlet, in every file it can read, no technician row, statement or money of another outlet', async () => {
    for (const who of ['outletA', 'outletB'] as const) {
      const mine = accounts[who].outlet!;
      // technicians seen only at other outlets, in HR's files: none may appear in what the outlet reads
      const everywhere = [...files, ...linesPages].filter((f) => /\/(technicians|penalties|penalty_lines)\/\d{4}-\d{2}\.json$/.test(f));
      const rows: { technician_id: string; outlet_id: string }[] = [];
      for (const f of everywhere) rows.push(...(await runJson<{ technician_id: string; outlet_id: string }>(f)));
      const ownTechs = new Set(rows.filter((r) => r.outlet_id === mine).map((r) => r.technician_id));
      const otherTechs = [...new Set(rows.filter((r) => r.outlet_id !== mine && !ownTechs.has(r.technician_id)).map((r) => r.technician_id))];
      expect(otherTechs.length).toBeGreaterThan(10);
      let ownRows = 0;
      let ownStatements = 0;
      for (const path of published.filter((f) => expectedStatus(who, f) === 200)) {
        const res = await as(who, { method: 'GET', url: dataUrl(path) });
        expect(res.statusCode, path).toBe(200);
        for (const id of otherTechs) expect(res.body.includes(`"${id}"`), `${who} ${path} holds ${id}`).toBe(false);
        if (path.endsWith('.xlsx')) continue;
        if (path.endsWith('.csv')) {
          // its statement: every row is its own (the outlet column, second), the header aside, and
          // no technician (seventh) seen only at other outlets
          const records = (parse(res.rawPayload, { bom: true, record_delimiter: '\r\n' }) as string[][]).slice(1);
          expect(records.length, path).toBeGreaterThan(1);
          expect(new Set(records.map((r) => r[1])), path).toEqual(new Set([mine]));
          for (const record of records) expect(otherTechs.includes(record[6]!), `${who} ${path} holds ${record[6]}`).toBe(false);
          ownStatements++;
          continue;
        }
        const value = res.json() as unknown;
        const list = (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
        const { family } = familyOf(path);
        if (family.startsWith('own/')) {
          for (const row of list) expect(row.outlet_id, `${who} ${path}`).toBe(mine);
          ownRows += list.length;
        } else if (family === 'ranking') {
          for (const row of list) expect(Object.keys(row).filter((k) => !RANKING_KEYS.includes(k)), path).toEqual([]);
        } else {
          for (const row of list) expect(Object.keys(row).filter((k) => ['technician_id', 'outlet_id', ...MONEY_KEYS].includes(k)), path).toEqual([]);
        }
      }
      // a check that reads nothing checks nothing
      expect(ownRows).toBeGreaterThan(20);
      expect(ownStatements, who).toBeGreaterThan(10);
    }
  }, 120_000);

  it('gives a manager no statement line and no download', async () => {
    for (const path of published.filter((f) => expectedStatus('manager', f) === 200)) {
      expect(path, 'a download').not.toMatch(/\.(csv|xlsx|parquet)$/);
      const res = await as('manager', { method: 'GET', url: dataUrl(path) });
      const value = res.json() as unknown;
      const list = (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
      for (const row of list) expect('rule_id' in row || ('complaint_id' in row && 'amount' in row), path).toBe(false);
    }
  }, 60_000);

  it('holds in an outlet\'s files exactly its rows of the network-wide month files, month by month', async () => {
    const mine = accounts.outletA.outlet!;
    const own = (file: string) => ownRows[file]!;
    const ownRows: Record<string, { month: string }[]> = {};
    for (const file of ['technicians.json', 'penalties.json', 'penalty_lines.json', 'outlet_penalties.json', 'adjustments.json', 'settlement_adjustments.json', 'outlet_history.json']) {
      ownRows[file] = await outletRows<{ month: string }>(join(dataDir, runFolder), mine, file);
    }
    for (const [file, family] of [['technicians.json', 'technicians'], ['penalties.json', 'penalties'], ['penalty_lines.json', 'penalty_lines'], ['outlet_penalties.json', 'outlet_penalties'], ['adjustments.json', 'adjustments'], ['settlement_adjustments.json', 'settlement_adjustments']]) {
      const months = [...files, ...linesPages].filter((f) => f.startsWith(`${runFolder}/${family}/`) && f.endsWith('.json')).map((f) => f.slice(-12, -5));
      expect(months.length, family).toBeGreaterThan(10);
      const rows = own(file!);
      for (const month of months) {
        const all = await runJson<{ outlet_id: string }>(`${runFolder}/${family}/${month}.json`);
        expect(rows.filter((r) => r.month === month), `${file} ${month}`).toEqual(all.filter((r) => r.outlet_id === mine));
      }
      expect(rows.every((r) => months.includes(r.month)), file).toBe(true);
    }
    // the outlet's trend: its rows of the network-wide history, by month
    const history = JSON.parse(readFileSync(join(dataDir, runFolder, 'outlet_history.json'), 'utf8')) as { outlet_id: string; month: string }[];
    const ownHistory = history.filter((r) => r.outlet_id === mine).sort((a, b) => a.month.localeCompare(b.month));
    expect(ownHistory.length).toBeGreaterThan(10);
    expect(own('outlet_history.json')).toEqual(ownHistory);
  });

  it("holds in an outlet's settlement files exactly its rows of HR's, month by month, and only its own tickets", async () => {
    const mine = accounts.outletA.outlet!;
    const own = (file: string) => outletRows(join(dataDir, runFolder), mine, file);
    const months = files.filter((f) => f.startsWith(`${runFolder}/settlement/`) && f.endsWith('.json')).map((f) => f.slice(-12, -5));
    expect(months.length).toBeGreaterThan(10);
    const totals = await own('settlement.json');
    for (const month of months) {
      const all = JSON.parse(readFileSync(join(dataDir, runFolder, 'settlement', `${month}.json`), 'utf8')) as { outlet_id: string }[];
      expect(totals.filter((r) => r.month === month), `settlement.json ${month}`).toEqual(all.filter((r) => r.outlet_id === mine));
    }
    // no file of every outlet's lines: the tickets settled and withheld are in the outlet's own files,
    // as many as its totals count in each month
    expect(files.some((f) => /\/settlement_lines\/[^/]+\.json$/.test(f))).toBe(false);
    const settled = await own('settlement_lines.json');
    const withheld = await own('settlement_withheld.json');
    expect(settled.length).toBeGreaterThan(100);
    expect(withheld.length).toBeGreaterThan(0);
    for (const row of [...settled, ...withheld]) expect(row.outlet_id).toBe(mine);
    for (const row of totals) {
      expect(settled.filter((r) => r.settlement_month === row.month).length, `settled ${String(row.month)}`).toBe(row.tickets_settled);
      expect(withheld.filter((r) => String(r.withheld_from) <= String(row.month) && String(row.month) <= String(r.withheld_to)).length, `withheld ${String(row.month)}`).toBe(row.tickets_withheld);
    }
    // a statement download for each month the outlet has a settlement row (in the rows of the downloads)
    const withRow = totals.map((r) => String(r.month));
    const ownFolder = `${runFolder}/by_outlet/${folderOf('outletA')}`;
    const statements = downloads.filter((f) => f.startsWith(`${ownFolder}/settlement/`)).map((f) => f.split('/').at(-1));
    expect(statements.sort()).toEqual(withRow.flatMap((m) => [`${m}.csv`, `${m}.en.csv`, `${m}.en.xlsx`, `${m}.xlsx`]).sort());
    // and each is, as the outlet gets it, its rows of HR's statement of the month, in HR's order,
    // under the same header; a month without its row has none
    const csv = async (who: Who, path: string) => {
      const res = await as(who, { method: 'GET', url: dataUrl(path) });
      return res.statusCode === 200 ? (parse(res.rawPayload, { bom: true, record_delimiter: '\r\n' }) as string[][]) : res.statusCode;
    };
    const ownTickets = new Set([...settled, ...withheld].map((r) => String(r.ticket_id)));
    let withheldSeen = 0;
    for (const month of months) {
      for (const lang of ['', '.en']) {
        const own = await csv('outletA', `${ownFolder}/settlement/${month}${lang}.csv`);
        if (!withRow.includes(month)) {
          expect(own, `${month}${lang}`).toBe(404);
          continue;
        }
        const hr = (await csv('hr', `${runFolder}/settlement/${month}${lang}.csv`)) as string[][];
        expect(Array.isArray(own), `${month}${lang}`).toBe(true);
        const [header, ...rows] = own as string[][];
        expect(header, `${month}${lang}`).toEqual(hr[0]);
        expect(rows, `${month}${lang}`).toEqual(hr.slice(1).filter((r) => r[1] === mine));
        expect(rows.length, `${month}${lang}`).toBeGreaterThan(1);
        // the tickets it names are its own, and each of its tickets completed that month and
        // withheld at its end is on it (those of earlier months are counted on carried-over rows)
        const tickets = new Set(rows.map((r) => r[5]).filter((id) => id !== ''));
        expect([...tickets].filter((id) => !ownTickets.has(id!)), `${month}${lang}`).toEqual([]);
        const withheldThen = withheld.filter((r) => String(r.completed_at).startsWith(month) && String(r.withheld_from) <= month && month <= String(r.withheld_to));
        expect([...tickets].filter((id) => withheldThen.some((r) => r.ticket_id === id)).sort(), `${month}${lang}`).toEqual(withheldThen.map((r) => String(r.ticket_id)).sort());
        withheldSeen += withheldThen.length;
      }
    }
    expect(withheldSeen).toBeGreaterThan(0);
    // the workbooks: the statement sheet holds the outlet's rows of HR's first sheet, its only sheet
    const sheetRows = async (who: Who, path: string) => {
      const res = await as(who, { method: 'GET', url: dataUrl(path) });
      expect(res.statusCode, `${who} ${path}`).toBe(200);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(res.rawPayload as never);
      return workbook.worksheets.map((sheet) => ({ name: sheet.name, rows: sheet.getSheetValues().filter((row) => row !== undefined) as unknown[][] }));
    };
    for (const lang of ['', '.en']) {
      const month = withRow.at(-1)!;
      const own = await sheetRows('outletA', `${ownFolder}/settlement/${month}${lang}.xlsx`);
      const hr = await sheetRows('hr', `${runFolder}/settlement/${month}${lang}.xlsx`);
      expect(own.map((sheet) => sheet.name)).toEqual([hr[0]!.name]);
      expect(hr.length).toBe(2);
      const [header, ...rows] = own[0]!.rows;
      expect(header).toEqual(hr[0]!.rows[0]);
      expect(rows.length).toBeGreaterThan(1);
      expect(rows).toEqual(hr[0]!.rows.slice(1).filter((row) => row[2] === mine));
    }
  });

  it('has the pages of an outlet read its own files, keeping the month\'s rows', async () => {
    const access = { name: 'outlet-a', role: 'outlet' as const, outlet_id: '张三', outlet_folder: '%E5%BC%A0%E4%B8%89', pages: [] };
    const own = 'by_outlet/%25E5%25BC%25A0%25E4%25B8%2589';
    expect(scopedPath(access, 'technicians/2026-03.json')).toBe(`${own}/technicians.json#month=2026-03`);
    expect(scopedPath(access, 'technician_history/07.json')).toBe(`${own}/technicians.json`);
    expect(scopedPath(access, 'penalty_lines/2026-03.json')).toBe(`${own}/penalty_lines.json#month=2026-03`);
    expect(scopedPath(access, 'settlement/2026-03.xlsx')).toBe(`${own}/settlement/2026-03.xlsx`);
    expect(scopedPath(access, 'outlets/2026-03.json')).toBe('ranking/2026-03.json');
    expect(scopedPath(access, 'outlet_history.json')).toBe(`${own}/outlet_history.json`);
    for (const same of ['network.json', 'run.json', 'penalties/2026-03.csv', 'quality.json']) expect(scopedPath(access, same)).toBe(same);
    expect(scopedPath({ ...access, role: 'manager', outlet_id: null, outlet_folder: null }, 'technicians/2026-03.json')).toBe('technicians/2026-03.json');

    const calls: string[] = [];
    const store = new DataStore(async (url) => {
      calls.push(url);
      return new Response('[{"month":"2026-02","v":1},{"month":"2026-03","v":2},{"month":"2026-03","v":3}]');
    });
    const url = runUrl({ folder: 'runs/r', access }, 'technicians/2026-03.json');
    expect(await store.json(url)).toEqual([{ month: '2026-03', v: 2 }, { month: '2026-03', v: 3 }]);
    expect(await store.json(runUrl({ folder: 'runs/r', access }, 'technicians/2026-02.json'))).toEqual([{ month: '2026-02', v: 1 }]);
    expect(calls).toEqual([`data/runs/r/${own}/technicians.json`]);
  });

  it('reads every outlet folder name the same as the publish step writes it', () => {
    for (const id of ['W3701', 'a.b', '..', '.', '张三', 'A/B', 'x y', '%41', '~!*()', 'W'.repeat(300), '网'.repeat(40), '']) {
      expect(serverFolderName(id), id).toBe(publishedFolderName(id));
      expect(publishedFolderName(id), id).toMatch(/^[^/.\s][^/\s]*$/);
    }
    expect(publishedFolderName('张三')).toBe('%E5%BC%A0%E4%B8%89');
    expect(publishedFolderName('a.b')).toBe('a%2Eb');
  });
});

/** A response's answer without what changes on every request (its date). */
function answer(res: LightMyRequestResponse) {
  const { date: _date, ...headers } = res.headers;
  return { status: res.statusCode, headers, body: res.body };
}

/** Whether a path of the data folder is there: a file, or a download or an outlet's file its run has the rows of. */
async function exists(path: string): Promise<boolean> {
  const [runs, run, ...inRun] = path.split('/');
  if (/\.(csv|xlsx)$/.test(path)) return (await renderedOrNull(join(dataDir, runs!, run!), inRun.join('/'))) !== null;
  if (inRun[0] === 'by_outlet') return existsSync(join(dataDir, runs!, run!)) && (await renderedOutletFileOrNull(join(dataDir, runs!, run!), inRun.join('/'))) !== null;
  if (inRun[0] === 'penalty_lines') return existsSync(join(dataDir, runs!, run!)) && (await renderedLinesPage(join(dataDir, runs!, run!), inRun[1]!.slice(0, 7))) !== null;
  return existsSync(join(dataDir, path)) && statSync(join(dataDir, path)).isFile();
}

describe('refused files', () => {
  it('are answered the same whether they exist or not', async () => {
    const run = runFolder;
    const b = folderOf('outletB');
    const cases: [Who, string, string][] = [
      ['outletA', `${run}/by_outlet/${b}/penalty_lines.json`, `${run}/by_outlet/NO-SUCH-OUTLET/penalty_lines.json`],
      ['outletA', `${run}/by_outlet/${b}/technicians.json`, `runs/20000101T000000-000/by_outlet/${b}/technicians.json`],
      ['outletA', `${run}/technicians/${latest}.json`, `runs/20000101T000000-000/technicians/${latest}.json`],
      ['outletA', `${run}/tables/penalty_lines.parquet`, `${run}/tables/no_such_table.parquet`],
      ['manager', `${run}/tables/settlement_lines/${latest}.parquet`, `${run}/tables/settlement_lines/1999-01.parquet`],
      ['manager', `${run}/penalties/${latest}.csv`, `${run}/penalties/1999-01.csv`],
      ['outletB', `${run}/penalties/${latest}.en.xlsx`, `${run}/penalties/1999-01.en.xlsx`],
      ['manager', `${run}/settlement/${latest}.xlsx`, `${run}/settlement/1999-01.xlsx`],
      ['outletA', `${run}/by_outlet/${b}/settlement/${latest}.csv`, `${run}/by_outlet/${b}/settlement/1999-01.csv`],
      ['outletA', `${run}/by_outlet/${b}/settlement/${latest}.en.xlsx`, `${run}/by_outlet/NO-SUCH-OUTLET/settlement/${latest}.en.xlsx`],
      ['manager', `${run}/penalty_lines/${latest}.json`, `${run}/penalty_lines/1999-01.json`],
      ['anonymous', `${run}/network.json`, `runs/20000101T000000-000/network.json`],
      ['anonymous', `${run}/penalties/${latest}.xlsx`, `${run}/penalties/1999-01.xlsx`],
    ];
    for (const [who, existing, missing] of cases) {
      expect(await exists(existing), existing).toBe(true);
      expect(await exists(missing), missing).toBe(false);
      for (const headers of [{}, { 'accept-encoding': 'gzip' }]) {
        const a = answer(await as(who, { method: 'GET', url: dataUrl(existing), headers }));
        const b2 = answer(await as(who, { method: 'GET', url: dataUrl(missing), headers }));
        expect(a.status, `${who} ${existing}`).toBe(who === 'anonymous' ? 401 : 403);
        expect(b2, `${who} ${missing}`).toEqual(a);
        expect(a.headers['cache-control']).toBe('no-store');
        expect(a.headers['content-disposition']).toBeUndefined();
        expect(a.headers.etag).toBeUndefined();
      }
    }
    // the rows of the downloads are listed for nobody: not found to everyone, HR too, there or not
    const rows = `${run}/download_rows/settlement_totals/${latest}.parquet`;
    expect(await exists(rows)).toBe(true);
    for (const who of CALLERS) {
      const a = answer(await as(who, { method: 'GET', url: dataUrl(rows) }));
      const b2 = answer(await as(who, { method: 'GET', url: dataUrl(`${run}/download_rows/settlement_totals/1999-01.parquet`) }));
      expect([who, a.status, a.body]).toEqual([who, 404, JSON.stringify({ error: 'not found' })]);
      expect(b2, who).toEqual(a);
    }
  });

  it('are decided on the path alone, before any file is looked at', async () => {
    // the static file sender looks a file up with fs.stat: watched, it sees no refused path
    const looked: string[] = [];
    const spy = vi.spyOn(fs, 'stat').mockImplementation(((...args: Parameters<typeof fs.stat>) => {
      looked.push(String(args[0]));
      return (original as (...a: unknown[]) => void)(...args);
    }) as typeof fs.stat);
    try {
      const b = folderOf('outletB');
      for (const path of [`${runFolder}/by_outlet/${b}/penalty_lines.json`, `${runFolder}/penalty_lines/${latest}.json`, `${runFolder}/by_outlet/${b}/nothing/${latest}.json`]) {
        expect((await as('outletA', { method: 'GET', url: dataUrl(path) })).statusCode).not.toBe(200);
      }
      expect(looked).toEqual([]);
      // a file the outlet may read is looked up: the watch sees what it watches for
      expect((await as('outletA', { method: 'GET', url: dataUrl(`${runFolder}/network.json`) })).statusCode).toBe(200);
      expect(looked.some((p) => p.endsWith('network.json'))).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('routes', () => {
  it('answers the health check to anyone, and the API to accounts only', async () => {
    for (const who of CALLERS) {
      expect((await as(who, { method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await as(who, { method: 'GET', url: '/api/manifest' })).statusCode, who).toBe(who === 'anonymous' ? 401 : 200);
      const session = await as(who, { method: 'GET', url: '/api/session' });
      expect(session.statusCode, who).toBe(who === 'anonymous' ? 401 : 200);
    }
    expect((await as('outletA', { method: 'GET', url: '/api/session' })).json()).toEqual({
      name: 'outlet-a',
      role: 'outlet',
      outlet_id: accounts.outletA.outlet,
      outlet_folder: folderOf('outletA'),
      pages: ['overview', 'technicians', 'outlets', 'penalties', 'settlement'],
    });
    expect((await as('manager', { method: 'GET', url: '/api/session' })).json()).toMatchObject({ role: 'manager', outlet_id: null, pages: ['overview', 'technicians', 'outlets', 'penalties', 'quality', 'backlog'] });
  });

  it('sends a reader who is not signed in to the sign-in page, and refuses a page to a role without it', async () => {
    for (const page of PAGES) {
      for (const url of [`/${page}.html`, `/${page}`]) {
        const anonymous = await as('anonymous', { method: 'GET', url: `${url}?month=${latest}` });
        expect(anonymous.statusCode, url).toBe(303);
        expect(anonymous.headers.location).toBe(`/sign-in.html?next=${encodeURIComponent(`${url}?month=${latest}`)}`);
        for (const who of ['hr', 'manager', 'outletA', 'outletB'] as const) {
          const staffOnly = page === 'quality' || page === 'backlog';
          // settlement: HR's, and an outlet's for its own; never a manager's (spec §7)
          if (page === 'settlement') {
            expect((await as(who, { method: 'GET', url })).statusCode, `${who} ${url}`).toBe(who === 'manager' ? 403 : 200);
            continue;
          }
          const expected = page === 'audit' ? (who === 'hr' ? 200 : 403) : who.startsWith('outlet') && staffOnly ? 403 : 200;
          expect((await as(who, { method: 'GET', url })).statusCode, `${who} ${url}`).toBe(expected);
        }
      }
    }
    expect((await as('anonymous', { method: 'GET', url: '/' })).headers.location).toBe('/sign-in.html');
    for (const url of ['/sign-in.html', '/overview.js', '/styles/dashboard.css', '/healthz']) expect((await as('anonymous', { method: 'GET', url })).statusCode, url).toBe(200);
    // listed for nobody: the same not-found to everyone, signed in or not
    for (const who of CALLERS) {
      for (const url of ['/nope', '/api/nope', '/data/notes.txt', `/data/${runFolder}/technicians/${latest}.json.gz`, `/data/${runFolder}/by_outlet/x/secret.json`]) {
        expect((await as(who, { method: 'GET', url })).statusCode, `${who} ${url}`).toBe(404);
      }
    }
  });

  it('sends back only to a path of this server', () => {
    expect(safeNext('/technicians.html?month=2026-03#t=T1')).toBe('/technicians.html?month=2026-03#t=T1');
    for (const bad of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/a/../b', '/%2e%2e/x', ' /x', '/x\ny', undefined, 3]) {
      expect(safeNext(bad), String(bad)).toBe('/');
    }
  });
});

describe('signing in', () => {
  const signInAs = (server: FastifyInstance, name: string, password: string, remoteAddress = '127.0.0.1') =>
    server.inject({ method: 'POST', url: '/auth/sign-in', payload: { name, password }, remoteAddress });

  it('answers a wrong name and a wrong password the same way', async () => {
    const unknown = answer(await signInAs(app, 'nobody-here', 'whatever-password', '10.1.0.1'));
    const wrong = answer(await signInAs(app, 'hr', 'whatever-password', '10.1.0.2'));
    expect(unknown.status).toBe(401);
    expect(wrong).toEqual(unknown);
    expect(unknown.headers['set-cookie']).toBeUndefined();
  });

  it('takes a form and sends the browser back to a page of this server only', async () => {
    const form = (next: string) =>
      app.inject({ method: 'POST', url: '/auth/sign-in', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ name: 'HR', password: accounts.hr.password, next }).toString(), remoteAddress: '10.2.0.1' });
    const back = await form('/penalties.html?month=2026-03');
    expect([back.statusCode, back.headers.location]).toEqual([303, '/penalties.html?month=2026-03']);
    expect((await form('//evil.example/')).headers.location).toBe('/');
    const other = await app.inject({ method: 'POST', url: '/auth/sign-in', headers: { 'sec-fetch-site': 'cross-site' }, payload: { name: 'hr', password: accounts.hr.password }, remoteAddress: '10.2.0.2' });
    expect(other.statusCode).toBe(403);
  });

  it('sets an encrypted HttpOnly, SameSite=Strict cookie with an expiry, Secure when asked', async () => {
    const res = await signInAs(app, 'hr', accounts.hr.password, '10.3.0.1');
    expect(res.statusCode).toBe(204);
    const cookie = String(res.headers['set-cookie']);
    const attributes = cookie.split(';').slice(1).map((a) => a.trim());
    expect(attributes.sort()).toEqual(['HttpOnly', 'Max-Age=28800', 'Path=/', 'SameSite=Strict']);
    expect(cookie).not.toContain('hr');
    const secure = await buildServer(serverOptions({ cookieSecure: true }));
    try {
      expect(String((await signInAs(secure, 'hr', accounts.hr.password)).headers['set-cookie'])).toMatch(/; Secure/);
    } finally {
      await secure.close();
    }
  });

  it('refuses the 11th attempt on an account within a minute without checking it, and counts per address too', async () => {
    const server = await buildServer(serverOptions());
    try {
      for (let i = 0; i < 10; i++) expect((await signInAs(server, 'manager', `wrong-${i}`, `10.4.0.${i + 1}`)).statusCode).toBe(401);
      // the right password, from a new address: refused unchecked
      const refused = await signInAs(server, 'manager', accounts.manager.password, '10.4.1.1');
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toEqual({ error: 'too many requests' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // the account's limit is its own: another account still signs in
      expect((await signInAs(server, 'hr', accounts.hr.password, '10.4.1.2')).statusCode).toBe(204);
    } finally {
      await server.close();
    }
    const tight = await buildServer(serverOptions({ signInLimits: { perAddress: 3 } }));
    try {
      for (const name of ['hr', 'manager', 'outlet-a']) expect((await signInAs(tight, name, 'wrong', '10.6.0.1')).statusCode).toBe(401);
      expect((await signInAs(tight, 'outlet-b', accounts.outletB.password, '10.6.0.1')).statusCode).toBe(429);
      expect((await signInAs(tight, 'outlet-b', accounts.outletB.password, '10.6.0.2')).statusCode).toBe(204);
    } finally {
      await tight.close();
    }
  });

  it('treats a tampered, foreign or expired cookie as no session', async () => {
    const good = cookies.hr!;
    const [name, value] = [good.slice(0, good.indexOf('=')), good.slice(good.indexOf('=') + 1)];
    const flipped = value.slice(0, 10) + (value[10] === 'A' ? 'B' : 'A') + value.slice(11);
    const foreign = await buildServer(serverOptions({ sessionKey: Buffer.alloc(32, 1) }));
    try {
      const other = await signIn(foreign, 'hr', accounts.hr.password);
      for (const cookie of [`${name}=${flipped}`, `${name}=${value.slice(0, -4)}`, `${name}=garbage`, other]) {
        const res = await app.inject({ method: 'GET', url: '/api/session', headers: { cookie } });
        expect(res.statusCode, cookie).toBe(401);
      }
    } finally {
      await foreign.close();
    }
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 8 * 3600 * 1000 + 5000);
    try {
      expect((await as('hr', { method: 'GET', url: '/api/session' })).statusCode).toBe(401);
    } finally {
      clock.mockRestore();
    }
    expect((await as('hr', { method: 'GET', url: '/api/session' })).statusCode).toBe(200);
  });

  it('ends the sessions of an account that is disabled, without a restart', async () => {
    const server = await buildServer(serverOptions());
    try {
      const cookie = await signIn(server, 'outlet-b', accounts.outletB.password);
      expect((await server.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).statusCode).toBe(200);
      const users = readUsers(usersFile);
      users.users.find((u) => u.name === 'outlet-b')!.disabled = true;
      writeUsers(usersFile, users);
      const ended = await server.inject({ method: 'GET', url: `/data/${runFolder}/network.json`, headers: { cookie } });
      expect(ended.statusCode).toBe(401);
      // the cookie is cleared with it
      expect(String(ended.headers['set-cookie'])).toMatch(/^sq_session=;.*Max-Age=0/);
      expect((await signInAs(server, 'outlet-b', accounts.outletB.password, '10.7.0.1')).statusCode).toBe(401);
    } finally {
      const users = readUsers(usersFile);
      users.users.find((u) => u.name === 'outlet-b')!.disabled = false;
      writeUsers(usersFile, users);
      await server.close();
    }
  });

  it('signs out', async () => {
    const cookie = await signIn(app, 'manager', accounts.manager.password);
    const out = await app.inject({ method: 'POST', url: '/auth/sign-out', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    expect([out.statusCode, out.headers.location]).toEqual([303, '/sign-in.html']);
    expect(String(out.headers['set-cookie'])).toMatch(/^sq_session=;.*Max-Age=0/);
  });
});

describe('the access log', () => {
  it('has a line for each sign-in, failure, sign-out and refusal, without a password or a cookie', async () => {
    logs.length = 0;
    await app.inject({ method: 'POST', url: '/auth/sign-in', payload: { name: 'hr', password: 'a-wrong-password-XYZ' }, remoteAddress: '10.8.0.1' });
    await app.inject({ method: 'POST', url: '/auth/sign-in', payload: { name: 'hunter2-typed-as-name', password: 'x' }, remoteAddress: '10.8.0.2' });
    const cookie = await signIn(app, 'outlet-a', accounts.outletA.password);
    await app.inject({ method: 'GET', url: `/data/${runFolder}/quality.json`, headers: { cookie } });
    await app.inject({ method: 'GET', url: `/data/${runFolder}/quality.json` });
    await app.inject({ method: 'POST', url: '/auth/sign-out', headers: { cookie } });
    const lines = logs.map((l) => JSON.parse(l) as { access?: Record<string, unknown> }).filter((l) => l.access).map((l) => l.access);
    expect(lines).toEqual([
      { user: 'hr', role: 'hr', method: 'POST', path: '/auth/sign-in', result: 'failed', status: 401 },
      { user: null, role: null, method: 'POST', path: '/auth/sign-in', result: 'failed', status: 401 },
      { user: 'outlet-a', role: 'outlet', method: 'POST', path: '/auth/sign-in', result: 'signed-in', status: 204 },
      { user: 'outlet-a', role: 'outlet', method: 'GET', path: `/data/${runFolder}/quality.json`, result: 'refused', status: 403 },
      { user: null, role: null, method: 'GET', path: `/data/${runFolder}/quality.json`, result: 'not-signed-in', status: 401 },
      { user: 'outlet-a', role: 'outlet', method: 'POST', path: '/auth/sign-out', result: 'signed-out', status: 303 },
    ]);
    const text = logs.join('');
    for (const secret of ['a-wrong-password-XYZ', 'hunter2', accounts.outletA.password, cookie.split('=')[1]!.slice(0, 20)]) expect(text).not.toContain(secret);
  });
});

describe('the users command', () => {
  const io = (stdinText: string | null, env: NodeJS.ProcessEnv = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const stdin = Readable.from(stdinText === null ? [] : [stdinText]) as Readable & { isTTY?: boolean };
    return { io: { stdin, stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env, cost: TEST_COST }, out, err };
  };

  it('adds, disables and resets accounts the server then sees', async () => {
    const file = join(work, 'command', 'users.json');
    const server = await buildServer(serverOptions({ usersFile: file }));
    try {
      const added = io('a-long-enough-password\n');
      expect(await usersCommand(['add', 'alice', '--role', 'outlet', '--outlet', accounts.outletA.outlet!, '--users', file], added.io)).toBe(0);
      expect(added.out.join('')).toMatch(/^added alice \(outlet of outlet /);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).not.toContain('a-long-enough-password');
      const alice = await signIn(server, 'alice', 'a-long-enough-password');
      expect((await server.inject({ method: 'GET', url: '/api/session', headers: { cookie: alice } })).json()).toMatchObject({ role: 'outlet', outlet_id: accounts.outletA.outlet });

      const generated = io(null, { USERS_FILE: file });
      expect(await usersCommand(['add', 'bob', '--role', 'hr', '--generate'], generated.io)).toBe(0);
      const password = /password: (\S+)/.exec(generated.out.join(''))![1]!;
      expect(password.length).toBeGreaterThanOrEqual(20);
      await signIn(server, 'bob', password);

      const reset = io(null, { USERS_FILE: file });
      expect(await usersCommand(['reset-password', 'alice', '--generate'], reset.io)).toBe(0);
      expect((await server.inject({ method: 'GET', url: '/api/session', headers: { cookie: alice } })).statusCode).toBe(401);
      const fresh = await signIn(server, 'alice', /password: (\S+)/.exec(reset.out.join(''))![1]!);

      expect(await usersCommand(['disable', 'ALICE', '--users', file], io(null).io)).toBe(0);
      expect((await server.inject({ method: 'GET', url: '/api/session', headers: { cookie: fresh } })).statusCode).toBe(401);
      const listed = io(null);
      expect(await usersCommand(['list', '--users', file], listed.io)).toBe(0);
      expect(listed.out.join('')).toBe(`alice\toutlet\t${accounts.outletA.outlet}\tdisabled\nbob\thr\t\tenabled\n`);
    } finally {
      await server.close();
    }
  });

  it('keeps a server from starting on a users file it cannot use', async () => {
    const broken = join(work, 'broken-users.json');
    writeFileSync(broken, '{"format": 1, "users": [{"name": "x"}]}');
    await expect(buildServer(serverOptions({ usersFile: broken }))).rejects.toThrow(/^the users file .*broken-users\.json: x: role must be one of hr, manager, outlet$/);
    await expect(buildServer(serverOptions({ usersFile: broken }))).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses what it cannot do, with one line and its exit code', async () => {
    const file = join(work, 'command', 'refusals.json');
    const cases: [string[], string | null, number, RegExp][] = [
      [['add', 'carol', '--role', 'boss', '--users', file], 'a-long-enough-password\n', 2, /--role must be one of hr, manager, outlet/],
      [['add', 'carol', '--role', 'outlet', '--users', file], 'a-long-enough-password\n', 2, /needs --outlet/],
      [['add', 'carol', '--role', 'hr', '--outlet', 'W1', '--users', file], 'a-long-enough-password\n', 2, /for outlet accounts only/],
      [['add', 'carol', '--role', 'hr', '--users', file], 'short\n', 1, /at least 10 characters/],
      [['add', 'carol', '--role', 'hr', '--users', file], '', 1, /no password on standard input/],
      [['disable', 'nobody', '--users', file], null, 1, /no account named nobody/],
      [['frobnicate'], null, 2, /unknown command frobnicate/],
      [['add', 'two words', '--role', 'hr', '--users', file], null, 2, /without blanks/],
    ];
    for (const [args, stdin, code, message] of cases) {
      const run = io(stdin);
      expect(await usersCommand(args, run.io), args.join(' ')).toBe(code);
      expect(run.err.join(''), args.join(' ')).toMatch(message);
      expect(run.err.join('').split('\n')[0]).toMatch(/^error: /);
    }
    expect(await usersCommand(['add', 'carol', '--role', 'hr', '--users', file], io('a-long-enough-password\n').io)).toBe(0);
    const again = io('a-long-enough-password\n');
    expect(await usersCommand(['add', 'Carol', '--role', 'manager', '--users', file], again.io)).toBe(1);
    expect(again.err.join('')).toMatch(/exists already/);
  });
});
