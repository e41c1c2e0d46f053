// The dashboard in a real headless Chromium: the sample published by the pipeline, the pages built,
// the real server (with its strict Content-Security-Policy) on a free port. Every page must render
// its charts with marks and no console error; the language toggle, a technician's history, a
// penalty statement with the flags' reasons and the month's CSV download in each language are
// exercised, signed in as HR. Then the sign-in
// page itself, and each role (manager, two outlets) sees exactly its pages and its own rows.
// Screenshots of every page are left for a person to look at (their paths are printed; SHOTS=1
// also copies them to /tmp/dashboard-shots).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyShard } from '../dashboard/src/lib/data.ts';
import { flagReasons, type RuleNames } from '../dashboard/src/lib/reasons.ts';
import { signIn, TEST_SESSION_KEY, writeUsersFile, type TestAccount } from './sign-in.ts';
import { linesPageRows, outletRows } from './downloads.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const SHOTS_COPY_DIR = '/tmp/dashboard-shots';

if (!HAS_CHROMIUM) console.warn('browser tests skipped: chromium not installed');

interface Manifest {
  folder: string;
  months: string[];
  latest_month: string;
}

interface Watched {
  page: Page;
  context: BrowserContext;
  /** console errors, uncaught page errors and failed responses, in order */
  problems: string[];
}

/** Pages with the charts each must show (by spec name). */
const PAGES: { file: string; charts: string[] }[] = [
  { file: 'index.html', charts: ['network-coverage', 'network-satisfaction', 'network-on-time', 'network-complaints', 'network-repeats', 'network-followups'] },
  { file: 'technicians.html', charts: ['technician-complaint-ranking'] },
  { file: 'outlets.html', charts: ['outlet-composite'] },
  { file: 'penalties.html', charts: [] },
  { file: 'settlement.html', charts: [] },
  { file: 'quality.html', charts: [] },
  { file: 'backlog.html', charts: ['backlog-by-outlet'] },
  // closes and appeals (HR): its walk on closed months is tests/browser-close.test.ts
  { file: 'audit.html', charts: [] },
];

type RoleName = 'hr' | 'manager' | 'outletA' | 'outletB';

const MARKS = '.vega-embed svg .mark-rect path, .vega-embed svg .mark-line path, .vega-embed svg .mark-symbol path';

/** A small RFC 4180 reader: quoted fields, doubled quotes, CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

describe.skipIf(!HAS_CHROMIUM)('the dashboard in a browser', () => {
  let work: string;
  let dataDir: string;
  let shotsDir: string;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let manifest: Manifest;
  const shots: string[] = [];
  const opened: Watched[] = [];
  // the accounts (outlets A and B: the two best-ranked outlets of the latest month) and their sessions
  const accounts = {} as Record<RoleName, TestAccount>;
  const cookies = {} as Record<RoleName, string>;

  const runFile = <T>(path: string): T => JSON.parse(readFileSync(join(dataDir, manifest.folder, path), 'utf8')) as T;

  async function open(path: string, locale = 'zh-CN', expectProblems = false, as: RoleName | null = 'hr'): Promise<Watched> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    if (as !== null) {
      const [name, ...value] = cookies[as].split('=');
      await context.addCookies([{ name: name!, value: value.join('='), url: base }]);
    }
    const page = await context.newPage();
    const watched: Watched = { page, context, problems: [] };
    page.on('console', (message) => {
      if (message.type() === 'error') watched.problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => watched.problems.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) watched.problems.push(`HTTP ${response.status()} ${response.url()}`);
    });
    if (!expectProblems) opened.push(watched);
    await page.goto(`${base}/${path}`);
    if (as !== null) await ready(page);
    return watched;
  }

  async function ready(page: Page): Promise<void> {
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  }

  async function shoot(page: Page, name: string, options: { fullPage?: boolean; selector?: string } = {}): Promise<void> {
    const file = join(shotsDir, `${name}.png`);
    if (options.selector) await page.locator(options.selector).screenshot({ path: file });
    else await page.screenshot({ path: file, fullPage: options.fullPage ?? true });
    shots.push(file);
    if (process.env.SHOTS === '1') {
      mkdirSync(SHOTS_COPY_DIR, { recursive: true });
      copyFileSync(file, join(SHOTS_COPY_DIR, `${name}.png`));
    }
  }

  async function expectChartsRendered(page: Page, charts: string[]): Promise<void> {
    const names = await page.$$eval('figure.chart-card', (figures) => figures.map((f) => f.getAttribute('data-chart')));
    expect(names).toEqual(charts);
    for (const chart of charts) {
      const marks = await page.locator(`figure[data-chart="${chart}"]`).locator(MARKS).count();
      expect(marks, `marks of ${chart}`).toBeGreaterThan(0);
    }
  }

  async function closeAndCheck(watched: Watched): Promise<void> {
    await watched.context.close();
    expect(watched.problems).toEqual([]);
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'dashboard-browser-'));
    dataDir = join(work, 'data');
    const distDir = join(work, 'dist');
    shotsDir = join(work, 'shots');
    mkdirSync(shotsDir, { recursive: true });

    const { runPipeline } = await import('../pipeline/run.ts');
    const { defaultConfig } = await import('../pipeline/common/config.ts');
    await runPipeline({ input: 'data/sample', db: join(work, 'warehouse.duckdb'), out: dataDir, config: defaultConfig() });
    manifest = JSON.parse(readFileSync(join(dataDir, 'manifest.json'), 'utf8')) as Manifest;

    const { build } = await import('../dashboard/build.ts');
    await build(distDir);

    const ranked = runFile<{ outlet_id: string }[]>(`outlets/${manifest.latest_month}.json`);
    accounts.hr = { name: 'hr', role: 'hr', password: 'hr-password-1' };
    accounts.manager = { name: 'manager', role: 'manager', password: 'manager-password-1' };
    accounts.outletA = { name: 'outlet-a', role: 'outlet', outlet: ranked[0]!.outlet_id, password: 'outlet-a-password-1' };
    accounts.outletB = { name: 'outlet-b', role: 'outlet', outlet: ranked[1]!.outlet_id, password: 'outlet-b-password-1' };
    const usersFile = join(work, 'users.json');
    await writeUsersFile(usersFile, Object.values(accounts));

    const { buildServer } = await import('../dashboard/server.ts');
    app = await buildServer({ dataDir, distDir, logger: false, usersFile, sessionKey: TEST_SESSION_KEY });
    for (const [role, account] of Object.entries(accounts) as [RoleName, TestAccount][]) cookies[role] = await signIn(app, account.name, account.password);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address !== 'object') throw new Error('the server has no port');
    base = `http://127.0.0.1:${address.port}`;

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
  }, 180_000);

  afterAll(async () => {
    for (const watched of opened) await watched.context.close().catch(() => {});
    await browser?.close();
    await app?.close();
    if (shots.length > 0) console.log(`dashboard screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
    // the screenshots stay for a person to look at; the rest of the work folder goes
    for (const part of ['data', 'dist', 'downloads', 'users.json', 'warehouse.duckdb', 'warehouse.duckdb.wal']) rmSync(join(work, part), { recursive: true, force: true });
  });

  it('renders every page with its charts and tables, without a console error', async () => {
    for (const { file, charts } of PAGES) {
      const watched = await open(file);
      const { page } = watched;
      await expectChartsRendered(page, charts);
      expect(await page.locator('.message-error').count(), `${file} shows an error`).toBe(0);
      expect(await page.locator('main h1').textContent()).not.toBe('');
      // every table names its columns for assistive technology
      const unscoped = await page.$$eval('table thead th', (cells) => cells.filter((c) => c.getAttribute('scope') !== 'col').length);
      expect(unscoped, `${file} header cells without scope`).toBe(0);
      await shoot(page, `${file.replace('.html', '')}-zh`);
      await closeAndCheck(watched);
    }
  }, 120_000);

  it('shows the KPIs of the latest month formatted as percentages and counts, with the change', async () => {
    const watched = await open('index.html');
    const { page } = watched;
    const network = runFile<{ month: string; tickets_completed: number }[]>('network.json');
    const latest = network.find((r) => r.month === manifest.latest_month)!;
    expect(await page.locator('#month-picker').inputValue()).toBe(manifest.latest_month);
    expect(await page.locator('[data-kpi="tickets_completed"] .kpi-value').textContent()).toBe(latest.tickets_completed.toLocaleString('en-US'));
    expect(await page.locator('[data-kpi="revisit_coverage"] .kpi-value').textContent()).toMatch(/^\d{1,3}\.\d%$/);
    expect(await page.locator('[data-kpi="revisit_coverage"] .kpi-delta').textContent()).toMatch(/^[▲▼–] \d+\.\d 个百分点/);
    // the repeat and follow-up cards: the month's rates, and the counts they come from
    const measures = runFile<{ month: string; repeat_repairs: number; repeat_repair_rate: number; followup_due: number; followup_week: number; followup_month: number; followup_week_rate: number; followup_month_rate: number }[]>('network.json').find((r) => r.month === manifest.latest_month)!;
    expect(measures.repeat_repairs).toBeGreaterThan(0);
    expect(await page.locator('[data-kpi="repeat_repair_rate"] .kpi-value').textContent()).toBe(`${(measures.repeat_repair_rate * 100).toFixed(2)}%`);
    expect(await page.locator('[data-kpi="repeat_repair_rate"] .kpi-label').textContent()).toBe('返修率');
    expect(await page.locator('[data-kpi="repeat_repair_rate"] .kpi-detail').textContent()).toBe(`返修 ${measures.repeat_repairs} / 完工 ${latest.tickets_completed.toLocaleString('en-US')}`);
    expect(await page.locator('[data-kpi="followup_week_rate"] .kpi-value').textContent()).toBe(`${(measures.followup_week_rate * 100).toFixed(1)}%`);
    expect(await page.locator('[data-kpi="followup_week_rate"] .kpi-detail').textContent()).toBe(`已回访 ${measures.followup_week} / 应回访 ${measures.followup_due}`);
    expect(await page.locator('[data-kpi="followup_month_rate"] .kpi-value').textContent()).toBe(`${(measures.followup_month_rate * 100).toFixed(1)}%`);
    expect(await page.locator('[data-kpi="followup_month_rate"] .kpi-detail').textContent()).toBe(`已回访 ${measures.followup_month} / 应回访 ${measures.followup_due}`);
    expect(await page.locator('#measures-note').textContent()).toContain('90 天');
    expect(await page.locator('figure[data-chart="network-followups"] svg').textContent()).toContain('不满意回访率（一周）');
    // axis titles come from the dictionary
    expect(await page.locator('figure[data-chart="network-coverage"] svg').textContent()).toContain('月份');
    // tooltips work under the page's security policy
    await page.locator('figure[data-chart="network-complaints"] .mark-rect path').last().hover();
    await page.waitForSelector('#vg-tooltip-element.visible');
    expect(await page.locator('#vg-tooltip-element').textContent()).toContain('投诉率');

    // another month: the URL keeps it and the navigation carries it
    const earlier = manifest.months.at(-3)!;
    await page.selectOption('#month-picker', earlier);
    await ready(page);
    expect(page.url()).toContain(`month=${earlier}`);
    expect(await page.locator('#kpis h2').textContent()).toContain(earlier);
    expect(await page.locator('nav.tabs a[href^="technicians.html"]').getAttribute('href')).toBe(`technicians.html?month=${earlier}`);
    await expectChartsRendered(page, PAGES[0]!.charts);
    await closeAndCheck(watched);
  }, 60_000);

  it('switches the language and remembers the choice', async () => {
    const watched = await open('index.html');
    const { page } = watched;
    const firstTab = page.locator('nav.tabs a').first();
    expect(await firstTab.textContent()).toBe('总览');
    await page.click('#lang-toggle');
    await ready(page);
    expect(await firstTab.textContent()).toBe('Overview');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('figure[data-chart="network-satisfaction"] svg').textContent()).toContain('Satisfied');
    expect(await page.locator('[data-kpi="followup_month_rate"] .kpi-label').textContent()).toBe('Unsatisfied follow-up (month)');
    expect(await page.locator('[data-kpi="revisit_coverage"] .kpi-delta').textContent()).toMatch(/pp/);
    await expectChartsRendered(page, PAGES[0]!.charts);
    await shoot(page, 'index-en');

    await page.reload();
    await ready(page);
    expect(await firstTab.textContent()).toBe('Overview');
    await page.click('#lang-toggle');
    await ready(page);
    expect(await firstTab.textContent()).toBe('总览');
    await closeAndCheck(watched);
  }, 60_000);

  it('sorts and filters the technicians and shows one technician\'s history', async () => {
    const watched = await open('technicians.html');
    const { page } = watched;
    const rows = runFile<{ technician_id: string; technician_name: string | null; complaint_rank: number | null }[]>(`technicians/${manifest.latest_month}.json`);
    const table = page.locator('#technician-table');
    expect(await table.locator('tbody tr').count()).toBe(rows.length);
    expect(await page.locator('#unranked-table tbody tr').count()).toBe(rows.filter((r) => r.complaint_rank === null).length);

    // sorting by a header
    const idHeader = table.locator('thead th').first();
    await idHeader.locator('button').click();
    expect(await idHeader.getAttribute('aria-sort')).toBe('ascending');
    const ids = [...rows.map((r) => r.technician_id)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    expect(await table.locator('tbody tr th').first().textContent()).toBe(ids[0]);
    await idHeader.locator('button').click();
    expect(await idHeader.getAttribute('aria-sort')).toBe('descending');
    expect(await table.locator('tbody tr th').first().textContent()).toBe(ids.at(-1));

    // the repeat and follow-up columns sort like the others
    const headers = await table.locator('thead th').allTextContents();
    for (const label of ['返修', '返修率', '应回访', '一周回访率', '一月回访率']) expect(headers.map((t) => t.replace(/[▲▼]/g, '').trim())).toContain(label);
    const repeatHeader = table.locator('thead th', { has: page.locator('button', { hasText: /^返修率/ }) });
    await repeatHeader.locator('button').click();
    expect(await repeatHeader.getAttribute('aria-sort')).toBe('descending');
    const withRepeats = runFile<{ technician_id: string; repeat_repair_rate: number | null }[]>(`technicians/${manifest.latest_month}.json`);
    const top = Math.max(...withRepeats.map((r) => r.repeat_repair_rate ?? -1));
    expect(top).toBeGreaterThan(0);
    const firstId = (await table.locator('tbody tr th').first().textContent())!;
    expect(withRepeats.find((r) => r.technician_id === firstId)!.repeat_repair_rate).toBe(top);

    // the text search
    const someone = rows.find((r) => r.technician_name)!;
    await page.fill('#filter-search', someone.technician_name!);
    expect(await table.locator('tbody tr').count()).toBe(rows.filter((r) => r.technician_name?.includes(someone.technician_name!)).length);
    await page.fill('#filter-search', '');

    // a technician's history
    const target = rows.find((r) => r.complaint_rank !== null)!.technician_id;
    await table.locator(`a.row-link:text-is("${target}")`).click();
    await page.waitForSelector('#history[data-state="ready"]');
    await expectChartsRendered(page, ['technician-history', 'technician-complaint-ranking']);
    const history = runFile<{ technician_id: string; month: string }[]>(`technician_history/${historyShard(target)}.json`).filter((r) => r.technician_id === target);
    const start = manifest.months.filter((m) => m <= manifest.latest_month).slice(-12)[0]!;
    expect(await page.locator('#history-table tbody tr').count()).toBe(history.filter((r) => r.month >= start && r.month <= manifest.latest_month).length);
    expect(page.url()).toContain(`#t=${target}`);
    await shoot(page, 'technicians-history-zh', { selector: '#history' });
    await page.click('#lang-toggle');
    await ready(page);
    await page.waitForSelector('#history[data-state="ready"]');
    expect(await page.locator('#technician-table thead').textContent()).toContain('Repeat rate');
    await shoot(page, 'technicians-en');
    await page.click('#lang-toggle');
    await ready(page);
    await closeAndCheck(watched);
  }, 60_000);

  it('lists an outlet\'s technicians and filters the ranking by tier', async () => {
    const watched = await open('outlets.html');
    const { page } = watched;
    const outlets = runFile<{ outlet_id: string; tier: string | null }[]>(`outlets/${manifest.latest_month}.json`);
    expect(await page.locator('#outlet-table tbody tr').count()).toBe(outlets.length);
    const tier = outlets.find((o) => o.tier)!.tier!;
    await page.selectOption('#filter-tier', tier);
    expect(await page.locator('#outlet-table tbody tr').count()).toBe(outlets.filter((o) => o.tier === tier).length);
    await page.selectOption('#filter-tier', '');

    const technicians = runFile<{ outlet_id: string }[]>(`technicians/${manifest.latest_month}.json`);
    const outlet = outlets[0]!.outlet_id;
    await page.locator(`#outlet-table a.row-link:text-is("${outlet}")`).click();
    await page.waitForSelector('#outlet-technicians[data-state="ready"]');
    expect(await page.locator('#outlet-technicians-table tbody tr').count()).toBe(technicians.filter((t) => t.outlet_id === outlet).length);
    // its twelve months: composite and parts, ranks over tickets, and the table month by month
    await expectChartsRendered(page, ['outlet-history', 'outlet-rank-history', 'outlet-composite']);
    const history = runFile<{ outlet_id: string; month: string; outlet_rank: number | null; ranked_outlets: number }[]>('outlet_history.json').filter((r) => r.outlet_id === outlet);
    const start = manifest.months.filter((m) => m <= manifest.latest_month).slice(-12)[0]!;
    const recent = history.filter((r) => r.month >= start && r.month <= manifest.latest_month);
    expect(recent.length).toBe(12);
    expect(await page.locator('#outlet-history-table tbody tr').count()).toBe(recent.length);
    const latestRow = recent.find((r) => r.month === manifest.latest_month)!;
    expect(await page.locator('#outlet-history-table tbody tr.current-row td').nth(6).textContent()).toBe(`${latestRow.outlet_rank} / ${latestRow.ranked_outlets}`);
    expect(await page.locator('figure[data-chart="outlet-rank-history"] svg').textContent()).toContain('级别内排名');
    await shoot(page, 'outlets-trend-zh', { selector: '#outlet-technicians' });
    await page.click('#lang-toggle');
    await ready(page);
    await page.waitForSelector('#outlet-technicians[data-state="ready"]');
    await expectChartsRendered(page, ['outlet-history', 'outlet-rank-history', 'outlet-composite']);
    expect(await page.locator('figure[data-chart="outlet-history"] svg').textContent()).toContain('Complaint score');
    await shoot(page, 'outlets-trend-en', { selector: '#outlet-technicians' });
    await page.click('#lang-toggle');
    await ready(page);
    await closeAndCheck(watched);
  }, 60_000);

  it('says so when no outlet reaches the ranking minimum, instead of an empty chart', async () => {
    const watched = await open('outlets.html', 'zh-CN', true);
    const { page } = watched;
    const month = manifest.latest_month;
    const unranked = runFile<Record<string, unknown>[]>(`outlets/${month}.json`).map((o) => ({ ...o, outlet_rank: null, tier_rank: null }));
    await page.route(`**/outlets/${month}.json`, (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(unranked) }));
    await page.reload();
    await ready(page);
    expect(await page.locator('#composite figure').count()).toBe(0);
    expect(await page.locator('#composite .message-info').textContent()).toBe('本月没有网点达到 50 单完工工单的排名门槛，暂无排名图。');
    expect(watched.problems).toEqual([]);
    await page.unroute(`**/outlets/${month}.json`);

    // a tier without a ranked outlet: the same, for that tier, and the chart again for all tiers
    const rows = runFile<Record<string, unknown>[]>(`outlets/${month}.json`);
    const tier = String(rows.find((r) => r.tier)!.tier);
    const tierUnranked = rows.map((o) => (o.tier === tier ? { ...o, outlet_rank: null, tier_rank: null } : o));
    await page.route(`**/outlets/${month}.json`, (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(tierUnranked) }));
    await page.reload();
    await ready(page);
    const chart = page.locator('figure[data-chart="outlet-composite"]');
    expect(await chart.isVisible()).toBe(true);
    await page.selectOption('#filter-tier', tier);
    expect(await chart.isVisible()).toBe(false);
    expect(await page.locator('#composite .message-info').textContent()).toBe('该级别本月没有参与排名的网点。');
    expect(await page.locator('#composite .message-info').isVisible()).toBe(true);
    await page.selectOption('#filter-tier', '');
    expect(await chart.isVisible()).toBe(true);
    expect(await page.locator('#composite .message-info').isVisible()).toBe(false);
    await closeAndCheck(watched);
  }, 60_000);

  it('puts flagged technicians first and opens a printable penalty statement', async () => {
    const watched = await open('penalties.html');
    const { page } = watched;
    const month = manifest.latest_month;
    const totals = runFile<{ technician_id: string; amount: number; training: boolean; dismissal_review: boolean }[]>(`penalties/${month}.json`);
    const rows = page.locator('#penalty-table tbody tr');
    expect(await rows.count()).toBe(totals.length);
    const flagged = totals.filter((t) => t.training || t.dismissal_review).length;
    if (flagged > 0) expect(await rows.first().locator('.badge').count()).toBeGreaterThan(0);
    if (flagged < totals.length) expect(await rows.last().locator('.badge').count()).toBe(0);

    const firstId = (await rows.first().locator('th').textContent())!;
    await rows.first().locator('a.row-link').click();
    await page.waitForSelector('#statement[data-state="ready"]');
    const lines = (await linesPageRows<{ technician_id: string; ticket_id: string | null; amount: number }>(join(dataDir, manifest.folder), month!)).filter((l) => l.technician_id === firstId);
    expect(await page.locator('#statement-table tbody tr').count()).toBe(lines.length);
    const total = totals.find((t) => t.technician_id === firstId)!.amount;
    const footer = await page.locator('#statement-table tfoot').textContent();
    expect(footer).toContain(`¥${total.toLocaleString('en-US')}`);
    expect(lines.reduce((a, l) => a + l.amount, 0)).toBeCloseTo(total, 6);
    // both names of each rule
    expect(await page.locator('#statement-table .rule-zh').count()).toBe(lines.length);
    expect(await page.locator('#statement-table .rule-en').count()).toBe(lines.length);
    await shoot(page, 'penalties-statement-zh', { selector: '#statement' });

    // printed, only the statement shows
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.site-header').isVisible()).toBe(false);
    expect(await page.locator('#totals').isVisible()).toBe(false);
    expect(await page.locator('#statement').isVisible()).toBe(true);
    await shoot(page, 'penalties-statement-print');
    await page.emulateMedia({ media: 'screen' });
    await closeAndCheck(watched);
  }, 60_000);

  it("shows why each technician is flagged, in the table and on the printed statement, in zh and en, sorted by a header click", async () => {
    type Total = { technician_id: string; training: boolean; dismissal_review: boolean; training_reason: string | null; dismissal_reason: string | null };
    // the latest month with a dismissal review (the sample has one every few months)
    const month = [...manifest.months].reverse().find((m) => runFile<Total[]>(`penalties/${m}.json`).some((t) => t.dismissal_review))!;
    const totals = runFile<Total[]>(`penalties/${month}.json`);
    const rules = runFile<{ config: { penalty_rules: RuleNames[] } }>('run.json').config.penalty_rules;
    const watched = await open(`penalties.html?month=${month}`);
    const { page } = watched;
    const flagsHeader = page.locator('#penalty-table thead th').nth(3);
    expect(await flagsHeader.getAttribute('aria-sort')).toBe('descending');

    /** The flags cell of each flagged technician as the page shows it, and as its reason codes say it. */
    const shown = async () => {
      const cells: Record<string, string[]> = {};
      for (const row of await page.locator('#penalty-table tbody tr').all()) {
        const reasons = await row.locator('.flag-reason').allTextContents();
        if (reasons.length > 0) cells[(await row.locator('th').textContent())!] = reasons;
      }
      return cells;
    };
    const expected = (lang: 'zh' | 'en') =>
      Object.fromEntries(
        totals
          .filter((t) => t.training || t.dismissal_review)
          .map((t) => [t.technician_id, [...(t.dismissal_review ? [t.dismissal_reason] : []), ...(t.training ? [t.training_reason] : [])].map((codes) => flagReasons(lang, codes, rules).join(lang === 'zh' ? '；' : '; '))]),
      );
    expect(await shown()).toEqual(expected('zh'));
    const reviewed = totals.find((t) => t.dismissal_review)!;
    expect((await shown())[reviewed.technician_id]![0]).toMatch(/元|培训后再犯|投诉率连续/);
    await shoot(page, 'penalties-flags-zh', { selector: '#totals' });

    // a click on a header sorts by it, and shows it
    await page.locator('#penalty-table thead th').nth(6).locator('button').click();
    expect(await page.locator('#penalty-table thead th').nth(6).getAttribute('aria-sort')).toBe('descending');
    expect(await page.locator('#penalty-table thead th').nth(6).locator('.sort-indicator').textContent()).toBe('▼');
    expect(await flagsHeader.getAttribute('aria-sort')).toBeNull();

    // the statement of a technician up for dismissal review: the same reasons above the lines
    await page.goto(`${base}/penalties.html?month=${month}#p=${encodeURIComponent(reviewed.technician_id)}`);
    await page.waitForSelector('#statement[data-state="ready"]');
    expect(await page.locator('#statement .flags .flag-reason').allTextContents()).toEqual(expected('zh')[reviewed.technician_id]);
    await shoot(page, 'penalties-statement-reasons-zh', { selector: '#statement' });
    await page.emulateMedia({ media: 'print' });
    await shoot(page, 'penalties-statement-reasons-print-zh');
    await page.emulateMedia({ media: 'screen' });

    await page.click('#lang-toggle');
    await ready(page);
    await page.waitForSelector('#statement[data-state="ready"]');
    expect(await shown()).toEqual(expected('en'));
    expect(await page.locator('#statement .flags .flag-reason').allTextContents()).toEqual(expected('en')[reviewed.technician_id]);
    expect(await page.locator('#penalty-table thead th').nth(5).textContent()).toContain('Violations this year');
    await shoot(page, 'penalties-flags-en', { selector: '#totals' });
    await shoot(page, 'penalties-statement-reasons-en', { selector: '#statement' });
    await page.emulateMedia({ media: 'print' });
    await shoot(page, 'penalties-statement-reasons-print-en');
    await page.emulateMedia({ media: 'screen' });
    await page.click('#lang-toggle');
    await ready(page);
    await closeAndCheck(watched);
  }, 90_000);

  it("downloads the month's statements in the page's language: each technician's lines, subtotal and the total", async () => {
    const watched = await open('penalties.html');
    const { page } = watched;
    const month = manifest.latest_month;
    const totals = runFile<{ technician_id: string; violations: number; amount: number }[]>(`penalties/${month}.json`);
    const lines = await linesPageRows<{ ticket_id: string | null; technician_id: string; amount: number }>(join(dataDir, manifest.folder), month!);
    expect(lines.length).toBe(totals.reduce((a, t) => a + t.violations, 0));

    const download = async (file: string) => {
      const [saved] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
      expect(saved.url()).toMatch(new RegExp(`/penalties/${file.slice('penalties-'.length).replaceAll('.', '\\.')}$`));
      const path = join(work, 'downloads', file);
      await saved.saveAs(path);
      const bytes = readFileSync(path);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      return parseCsv(bytes.toString('utf8').slice(1)).filter((r) => r.length > 1 || r[0] !== '');
    };
    const [header, ...records] = await download(`penalties-${month}.csv`);
    expect(header!.slice(0, 3)).toEqual(['月份', '工号', '姓名']);
    expect(records).toHaveLength(lines.length + totals.length + 1);
    const [first] = records;
    expect(first![1]).toBe(lines[0]!.technician_id);
    if (lines[0]!.ticket_id) expect(first![header!.indexOf('证据')]).toContain(lines[0]!.ticket_id);
    expect(Number(records.at(-1)![header!.indexOf('金额')])).toBeCloseTo(lines.reduce((a, l) => a + l.amount, 0), 6);
    expect(await page.locator('#download-xlsx').getAttribute('href')).toMatch(new RegExp(`/penalties/${month}\\.xlsx$`));

    await page.click('#lang-toggle');
    await ready(page);
    expect(await page.locator('#download-xlsx').getAttribute('href')).toMatch(new RegExp(`/penalties/${month}\\.en\\.xlsx$`));
    const [english, ...englishRecords] = await download(`penalties-${month}.en.csv`);
    expect(english!.slice(0, 3)).toEqual(['Month', 'Technician ID', 'Name']);
    expect(englishRecords).toHaveLength(records.length);
    await page.click('#lang-toggle');
    await ready(page);
    await closeAndCheck(watched);
  }, 60_000);

  it("lists every outlet's settlement of the month and opens an outlet's printable statement, in zh and en, with its downloads", async () => {
    const watched = await open('settlement.html');
    const { page } = watched;
    const month = manifest.latest_month;
    const rows = runFile<{ outlet_id: string; net: number; fees: number; tickets_withheld: number; withheld_by_completion_month: { completion_month: string; tickets: number }[] }[]>(`settlement/${month}.json`);
    expect(await page.locator('#settlement-table tbody tr').count()).toBe(rows.length);
    expect(await page.locator('#settlement-table tfoot').textContent()).toContain(`¥${rows.reduce((a, r) => a + r.net, 0).toLocaleString('en-US')}`);
    expect(await page.locator('#download-csv').getAttribute('href')).toMatch(new RegExp(`/settlement/${month}\\.csv$`));

    // the outlet with the most tickets withheld: its statement
    const row = [...rows].sort((a, b) => b.tickets_withheld - a.tickets_withheld || a.outlet_id.localeCompare(b.outlet_id))[0]!;
    await page.locator(`#settlement-table a.row-link:text-is("${row.outlet_id}")`).click();
    await page.waitForSelector('#statement[data-state="ready"]');
    // the tickets withheld at the month's end: those of the month one by one, those of earlier months one row per month
    const runs = await outletRows<{ completed_at: string; withheld_from: string; withheld_to: string }>(join(dataDir, manifest.folder), row.outlet_id, 'settlement_withheld.json');
    const withheld = runs.filter((r) => r.withheld_from <= month! && month! <= r.withheld_to);
    const carried = row.withheld_by_completion_month.filter((c) => c.completion_month < month!);
    expect(row.tickets_withheld).toBeGreaterThan(0);
    expect(withheld.length).toBe(row.tickets_withheld);
    expect(carried.length).toBeGreaterThan(0);
    expect(await page.locator('#statement-withheld tbody tr').count()).toBe(carried.length + withheld.filter((r) => r.completed_at.startsWith(month!)).length);
    expect(await page.locator('#statement-withheld tfoot').textContent()).toContain(String(row.tickets_withheld));
    expect(await page.locator('#statement-withheld-all tbody tr').count()).toBe(Math.min(100, row.tickets_withheld));
    expect(await page.locator('#statement-services tfoot').textContent()).toContain(`¥${row.fees.toLocaleString('en-US')}`);
    expect(await page.locator('#statement-figures').textContent()).toContain(`¥${row.net.toLocaleString('en-US')}`);
    await expectChartsRendered(page, ['settlement-outlet']);
    await shoot(page, 'settlement-statement-zh', { selector: '#statement' });
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.site-header').isVisible()).toBe(false);
    expect(await page.locator('#totals').isVisible()).toBe(false);
    expect(await page.locator('#statement').isVisible()).toBe(true);
    await shoot(page, 'settlement-statement-print-zh');
    await page.emulateMedia({ media: 'screen' });

    // the outlet's own statement download: its block of HR's, the total row its net
    const [saved] = await Promise.all([page.waitForEvent('download'), page.click('#statement-csv')]);
    expect(saved.url()).toContain(`/by_outlet/${encodeURIComponent(row.outlet_id)}/settlement/${month}.csv`);
    const path = join(work, 'downloads', `settlement-${row.outlet_id}-${month}.csv`);
    await saved.saveAs(path);
    const bytes = readFileSync(path);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...records] = parseCsv(bytes.toString('utf8').slice(1)).filter((r) => r.length > 1 || r[0] !== '');
    expect(header!.slice(0, 4)).toEqual(['月份', '网点', '网点名称', '项目']);
    const carriedTickets = records.filter((r) => r[3] === '暂扣结转').reduce((sum, r) => sum + Number(r[header!.indexOf('工单数')]), 0);
    expect(records.filter((r) => r[3] === '暂扣').length + carriedTickets).toBe(row.tickets_withheld);
    expect(Number(records.at(-1)![header!.indexOf('金额')])).toBeCloseTo(row.net, 6);

    await page.click('#lang-toggle');
    await ready(page);
    await page.waitForSelector('#statement[data-state="ready"]');
    expect(await page.locator('#statement h2').textContent()).toBe(`Settlement statement · ${month}`);
    expect(await page.locator('#statement-xlsx').getAttribute('href')).toMatch(new RegExp(`/settlement/${month}\\.en\\.xlsx$`));
    expect(await page.locator('#download-csv').getAttribute('href')).toMatch(new RegExp(`/settlement/${month}\\.en\\.csv$`));
    await expectChartsRendered(page, ['settlement-outlet']);
    await shoot(page, 'settlement-statement-en', { selector: '#statement' });
    await page.emulateMedia({ media: 'print' });
    await shoot(page, 'settlement-statement-print-en');
    await page.emulateMedia({ media: 'screen' });
    await page.click('#lang-toggle');
    await ready(page);
    await closeAndCheck(watched);
  }, 90_000);

  it('shows the data quality of the run and the revisit backlog', async () => {
    const quality = await open('quality.html');
    const q = runFile<{ files: unknown[]; rejects: unknown[]; skipped_files: unknown[]; extra_columns: unknown[] }>('quality.json');
    const run = runFile<{ inputs: unknown[] }>('run.json');
    expect(await quality.page.locator('#inputs-table tbody tr').count()).toBe(run.inputs.length);
    expect(await quality.page.locator('#files-table tbody tr').count()).toBe(q.files.length);
    expect(await quality.page.locator('#rejects-table tbody tr').count()).toBe(Math.min(100, q.rejects.length));
    expect(await quality.page.locator('#skipped-table tbody tr').count()).toBe(q.skipped_files.length);
    expect(await quality.page.locator('#extra-table tbody tr').count()).toBe(q.extra_columns.length);
    await closeAndCheck(quality);

    const backlog = await open('backlog.html', 'en-US');
    const b = runFile<{ rows: { completed_at: string }[]; by_outlet: unknown[] }>('backlog.json');
    expect(await backlog.page.locator('#backlog-table tbody tr').count()).toBe(Math.min(200, b.rows.length));
    const first = await backlog.page.locator('#backlog-table tbody tr').first().locator('td').nth(3).textContent();
    expect(first).toBe([...b.rows].sort((x, y) => x.completed_at.localeCompare(y.completed_at))[0]!.completed_at);
    expect(await backlog.page.locator('#backlog-outlets-table tbody tr').count()).toBe(b.by_outlet.length);
    await shoot(backlog.page, 'backlog-en');
    await closeAndCheck(backlog);

    // the follow-up calls of unsatisfied customers: the counts by state, the calls, the filters
    const followups = await open('backlog.html');
    const { page } = followups;
    const f = runFile<{ followups: { by_state: { call: string; state: string; followups: number }[]; rows: { ticket_id: string; call: string; state: string; due_by: string }[] } }>('backlog.json').followups;
    expect(f.rows.length).toBeGreaterThan(0);
    expect(await page.locator('#followup-table tbody tr').count()).toBe(Math.min(200, f.rows.length));
    expect(await page.locator('#followup-table tbody tr').first().locator('th').textContent()).toBe(f.rows[0]!.ticket_id);
    const counts = await page.locator('#followup-counts-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent)));
    const n = (call: string, state: string) => f.by_state.find((c) => c.call === call && c.state === state)!.followups;
    expect(counts).toEqual([
      ['一周回访', String(n('week', 'due')), String(n('week', 'missed')), String(n('week', 'due') + n('week', 'missed'))],
      ['一月回访', String(n('month', 'due')), String(n('month', 'missed')), String(n('month', 'due') + n('month', 'missed'))],
    ]);
    await page.selectOption('#filter-followup-state', 'due');
    expect(await page.locator('#followup-table tbody tr').count()).toBe(Math.min(200, f.rows.filter((r) => r.state === 'due').length));
    await page.selectOption('#filter-followup-call', 'month');
    expect(await page.locator('#followup-table tbody tr').count()).toBe(Math.min(200, f.rows.filter((r) => r.state === 'due' && r.call === 'month').length));
    await page.selectOption('#filter-followup-state', '');
    await page.selectOption('#filter-followup-call', '');
    await shoot(page, 'backlog-followups-zh', { selector: '#followups' });
    await page.click('#lang-toggle');
    await ready(page);
    expect(await page.locator('#followups h2').textContent()).toBe("Unsatisfied customers' follow-up calls");
    await shoot(page, 'backlog-followups-en', { selector: '#followups' });
    await page.click('#lang-toggle');
    await ready(page);
    await closeAndCheck(followups);
  }, 60_000);

  it('says which file is missing instead of failing', async () => {
    const watched = await open('index.html', 'en-US', true);
    const { page } = watched;
    await page.route('**/technicians/*.json', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"not found"}' }));
    await page.goto(`${base}/technicians.html`);
    await ready(page);
    const messages = await page.locator('.message-error').allTextContents();
    expect(messages.length).toBeGreaterThan(0);
    expect(messages[0]).toContain(`technicians/${manifest.latest_month}.json`);
    expect(messages[0]).toContain('404');
    // the only complaints are the refused file itself: no uncaught error, no other failure
    expect(watched.problems.filter((p) => !/technicians\/\d{4}-\d{2}\.json|status of 404/.test(p))).toEqual([]);

    // nothing published yet
    await page.route('**/data/manifest.json', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"not found"}' }));
    await page.goto(`${base}/index.html`);
    await ready(page);
    expect(await page.locator('main .message-warning').textContent()).toContain('No data has been published yet');
    expect(watched.problems.filter((p) => p.startsWith('page error'))).toEqual([]);
    await watched.context.close();
  }, 60_000);

  it('asks for a sign-in, refuses a wrong password, comes back to the page asked for, and signs out', async () => {
    const asked = `technicians.html?month=${manifest.latest_month}`;
    const watched = await open(asked, 'zh-CN', true, null);
    const { page } = watched;
    await ready(page);
    expect(new URL(page.url()).pathname).toBe('/sign-in.html');
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/${asked}`);
    expect(await page.locator('main h1').textContent()).toBe('登录');
    await shoot(page, 'sign-in-zh');

    await page.fill('#sign-in-name', 'hr');
    await page.fill('#sign-in-password', 'not the password');
    await page.click('#sign-in-form button[type="submit"]');
    await page.waitForSelector('#sign-in-status .message-error');
    expect(await page.locator('#sign-in-status').textContent()).toBe('账号或密码不正确。');
    await page.click('#lang-toggle');
    expect(await page.locator('main h1').textContent()).toBe('Sign in');
    expect(await page.locator('#sign-in-name').inputValue()).toBe('hr');
    await shoot(page, 'sign-in-en');

    await page.fill('#sign-in-password', accounts.hr.password);
    await Promise.all([page.waitForURL(`${base}/${asked}`), page.click('#sign-in-form button[type="submit"]')]);
    await ready(page);
    expect(await page.locator('#account-name').textContent()).toBe('hr · HR');
    expect(await page.locator('#technician-table tbody tr').count()).toBeGreaterThan(0);
    // the only refusal was the wrong password
    expect(watched.problems.filter((p) => !/^HTTP 401 .*\/auth\/sign-in$|status of 401/.test(p))).toEqual([]);

    await Promise.all([page.waitForURL(`${base}/sign-in.html`), page.click('#sign-out')]);
    await page.goto(`${base}/index.html`);
    expect(new URL(page.url()).pathname).toBe('/sign-in.html');
    await watched.context.close();
  }, 60_000);

  /** The tabs a page shows, by file. */
  const tabsOf = (page: Page) => page.$$eval('nav.tabs a', (links) => links.map((a) => a.getAttribute('href')!.split('?')[0]));

  it('gives a manager every page but the statement lines and downloads', async () => {
    const watched = await open('penalties.html', 'zh-CN', true, 'manager');
    const { page } = watched;
    expect(await tabsOf(page)).toEqual(['index.html', 'technicians.html', 'outlets.html', 'penalties.html', 'quality.html', 'backlog.html']);
    expect(await page.locator('#account-name').textContent()).toBe('manager · 管理');
    const totals = runFile<unknown[]>(`penalties/${manifest.latest_month}.json`);
    expect(await page.locator('#penalty-table tbody tr').count()).toBe(totals.length);
    await shoot(page, 'penalties-manager-zh');
    // the page asks for nothing a manager may not read: no download, no statement, no outlet fines
    expect(watched.problems).toEqual([]);
    expect(await page.locator('.message-error').count()).toBe(0);
    expect(await page.locator('#download-csv, #download-xlsx, #outlet-fines, #penalty-table a.row-link').count()).toBe(0);
    const csv = await page.request.get(`${base}/data/${manifest.folder}/penalties/${manifest.latest_month}.csv`);
    expect(csv.status()).toBe(403);
    // no settlement for a manager (spec §7): not the page, not its files
    expect((await page.request.get(`${base}/settlement.html`)).status()).toBe(403);
    expect((await page.request.get(`${base}/data/${manifest.folder}/settlement/${manifest.latest_month}.json`)).status()).toBe(403);
    expect((await page.request.get(`${base}/data/${manifest.folder}/by_outlet/${encodeURIComponent(accounts.outletA.outlet!)}/settlement.json`)).status()).toBe(403);
    // a statement's address leaves the statement closed
    await page.goto(`${base}/penalties.html?month=${manifest.latest_month}#p=${encodeURIComponent(String((totals[0] as { technician_id: string }).technician_id))}`);
    await ready(page);
    expect(await page.locator('#statement').isHidden()).toBe(true);
    expect(watched.problems).toEqual([]);
    await watched.context.close();
  }, 60_000);

  it('shows an outlet its own technicians, statements and the ranking, and nothing of another outlet', async () => {
    const month = manifest.latest_month;
    for (const role of ['outletA', 'outletB'] as const) {
      const outletId = accounts[role].outlet!;
      const requested: string[] = [];
      const technicians = await open(`technicians.html?month=${month}`, 'zh-CN', false, role);
      technicians.page.on('request', (request) => requested.push(new URL(request.url()).pathname));
      await technicians.page.reload();
      await ready(technicians.page);
      expect(await tabsOf(technicians.page)).toEqual(['index.html', 'technicians.html', 'outlets.html', 'penalties.html', 'settlement.html']);
      const own = runFile<{ technician_id: string; outlet_id: string }[]>(`technicians/${month}.json`).filter((r) => r.outlet_id === outletId);
      expect(await technicians.page.locator('#technician-table tbody tr').count()).toBe(own.length);
      const shown = await technicians.page.$$eval('#technician-table tbody tr th', (cells) => cells.map((c) => c.textContent));
      expect(shown.sort()).toEqual(own.map((r) => r.technician_id).sort());
      if (role === 'outletA') await shoot(technicians.page, 'technicians-outlet-zh');

      await technicians.page.goto(`${base}/outlets.html?month=${month}`);
      await ready(technicians.page);
      const ranking = runFile<Record<string, unknown>[]>(`ranking/${month}.json`);
      expect(await technicians.page.locator('#outlet-table tbody tr').count()).toBe(ranking.length);
      // the ranking file has composite and ranks only: no KPI column, no composite parts, and no column left empty
      expect(await technicians.page.locator('#outlet-table thead th').allTextContents()).toEqual(['总排名', '级别内排名', '网点编号', '网点名称', '网点级别', '城市', '综合得分'].map((t) => expect.stringContaining(t)));
      const cells = await technicians.page.$$eval('#outlet-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent?.trim() ?? '')));
      for (let column = 0; column < cells[0]!.length; column++) expect(cells.some((row) => row[column] !== '' && row[column] !== '—'), `column ${column}`).toBe(true);
      expect(await technicians.page.locator('#composite').count()).toBe(0);
      expect(await technicians.page.locator('#outlet-table a.row-link').count()).toBe(1);
      // its own outlet's KPIs of the month, from its own history file
      const ownRow = runFile<{ outlet_id: string; month: string; tickets_completed: number }[]>('outlet_history.json').find((r) => r.outlet_id === outletId && r.month === month)!;
      expect(await technicians.page.locator('#own-outlet-table tbody tr').count()).toBe(1);
      expect(await technicians.page.locator('#own-outlet-table tbody tr > *').first().textContent()).toBe(ownRow.tickets_completed.toLocaleString('en-US'));
      expect(await technicians.page.locator('.message-error').count()).toBe(0);
      if (role === 'outletA') {
        await shoot(technicians.page, 'outlets-outlet-ranking-zh');
        await technicians.page.click('#lang-toggle');
        await ready(technicians.page);
        expect(await technicians.page.locator('#own-outlet h2').textContent()).toBe(`Your outlet ${outletId}, ${month}`);
        await shoot(technicians.page, 'outlets-outlet-ranking-en');
        await technicians.page.click('#lang-toggle');
        await ready(technicians.page);
      }
      // its own trend, from its own copy of the history
      await technicians.page.locator(`#outlet-table a.row-link:text-is("${outletId}")`).click();
      await technicians.page.waitForSelector('#outlet-technicians[data-state="ready"]');
      const ownHistory = runFile<{ outlet_id: string }[]>('outlet_history.json').filter((r) => r.outlet_id === outletId);
      expect(await technicians.page.locator('#outlet-history-table tbody tr').count()).toBe(Math.min(12, ownHistory.length));
      expect(await technicians.page.locator('figure[data-chart="outlet-history"]').locator(MARKS).count()).toBeGreaterThan(0);
      if (role === 'outletA') await shoot(technicians.page, 'outlets-outlet-zh');

      await technicians.page.goto(`${base}/penalties.html?month=${month}`);
      await ready(technicians.page);
      const totals = runFile<{ outlet_id: string }[]>(`penalties/${month}.json`).filter((r) => r.outlet_id === outletId);
      expect(await technicians.page.locator('#penalty-table tbody tr').count()).toBe(totals.length);
      // no HR download; its own outlet fines, without an error
      expect(await technicians.page.locator('#download-csv, #download-xlsx').count()).toBe(0);
      expect(await technicians.page.locator('#outlet-fines').count()).toBe(1);
      expect(await technicians.page.locator('.message-error').count()).toBe(0);
      if (role === 'outletA') await shoot(technicians.page, 'penalties-outlet-zh');

      // its own settlement statement, opened at once; no other outlet's
      await technicians.page.goto(`${base}/settlement.html?month=${month}`);
      await ready(technicians.page);
      await technicians.page.waitForSelector('#statement[data-state="ready"]');
      const settlement = runFile<{ outlet_id: string; tickets_withheld: number }[]>(`settlement/${month}.json`).find((r) => r.outlet_id === outletId)!;
      expect(await technicians.page.locator('#totals, #settlement-table, #statement .close-button').count()).toBe(0);
      expect(await technicians.page.locator('#statement .statement-meta').textContent()).toContain(outletId);
      // every ticket withheld at the month's end, in the full list folded away; the statement's total
      expect(await technicians.page.locator('#statement-withheld-all tbody tr').count()).toBe(Math.min(100, settlement.tickets_withheld));
      expect(await technicians.page.locator('#statement-withheld tfoot').textContent()).toContain(String(settlement.tickets_withheld));
      expect(await technicians.page.locator('#statement-csv').getAttribute('href')).toContain(`/by_outlet/${encodeURIComponent(outletId)}/settlement/${month}.csv`);
      await expectChartsRendered(technicians.page, ['settlement-outlet']);
      expect(await technicians.page.locator('.message-error').count()).toBe(0);
      if (role === 'outletA') await shoot(technicians.page, 'settlement-outlet-zh', { selector: '#statement' });
      const other = role === 'outletA' ? accounts.outletB.outlet! : accounts.outletA.outlet!;
      for (const file of [`by_outlet/${encodeURIComponent(other)}/settlement.json`, `by_outlet/${encodeURIComponent(other)}/settlement_withheld.json`, `by_outlet/${encodeURIComponent(other)}/settlement/${month}.csv`, `settlement/${month}.json`]) {
        expect((await technicians.page.request.get(`${base}/data/${manifest.folder}/${file}`)).status(), file).toBe(403);
      }

      // every data file the pages read is the network's, the ranking, which months are closed, or the outlet's own
      const folder = `/data/${manifest.folder}/by_outlet/${encodeURIComponent(outletId)}/`;
      const data = requested.filter((p) => p.startsWith('/data/'));
      expect(data.length).toBeGreaterThan(0);
      expect(data.filter((p) => !p.startsWith(folder) && !/\/(?:manifest|run|network|closes)\.json$|\/ranking\/\d{4}-\d{2}\.json$/.test(p))).toEqual([]);
      // a page of another role: refused (asked for as a request, so that no page is left behind)
      expect((await technicians.page.request.get(`${base}/quality.html`)).status()).toBe(403);
      await closeAndCheck(technicians);
    }
  }, 90_000);

  it('answers an unknown page with the dashboard\'s own not-found page, in both languages, signed in or not', async () => {
    for (const as of ['hr', 'outletA', null] as const) {
      const watched = await open('no-such-page', 'en-US', true, as);
      const { page } = watched;
      expect(await page.locator('h1').textContent()).toContain('页面不存在');
      expect(await page.locator('h1').textContent()).toContain('Page not found');
      expect(await page.locator('.site-header .brand-title').textContent()).toBe('服务质量看板');
      // the stylesheet applies (no inline style, a file of the site's own)
      expect(await page.locator('.site-header').evaluate((e) => getComputedStyle(e).display)).toBe('grid');
      // the page itself is the only thing refused, and nothing failed on it
      expect(watched.problems.filter((p) => !/status of 404/.test(p))).toEqual([`HTTP 404 ${base}/no-such-page`]);
      if (as === 'hr') {
        await shoot(page, 'not-found');
        await page.goto(`${base}/a/b/c.html?month=2026-01`);
        expect(await page.locator('h1').textContent()).toContain('Page not found');
        expect(await page.locator('.site-header').evaluate((e) => getComputedStyle(e).display)).toBe('grid');
        await Promise.all([page.waitForURL(`${base}/`), page.click('#to-overview')]);
        await ready(page);
        expect(await page.locator('main h1').textContent()).toBe('Overview');
      }
      // nothing failed but the page asked for
      expect(watched.problems.filter((p) => !p.includes('/no-such-page') && !p.includes('/a/b/c.html') && !/status of 404/.test(p))).toEqual([]);
      await watched.context.close();
    }
  }, 60_000);
});
