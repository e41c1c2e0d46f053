// Closed months, appeals and adjustments in a real headless Chromium (spec 6, issue 13): a small
// network whose January was closed by the close command and whose late export and appeals came
// after (tests/close-fixture.ts), published by the pipeline, the pages built, the real server. The
// closed month's badge on the money pages and in the month picker, each statement line's appeal
// state, the adjustments booked into the open month (section, totals, statement), the close printed
// on the statement, and HR's audit page; what a manager and an outlet see of it. Screenshots in zh
// and en are left for a person to look at (SHOTS=1 also copies them to /tmp/dashboard-shots).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCloseFixture, type CloseFixture } from './close-fixture.ts';
import { signIn, TEST_SESSION_KEY, writeUsersFile, type TestAccount } from './sign-in.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const SHOTS_COPY_DIR = '/tmp/dashboard-shots';

type Who = 'hr' | 'manager' | 'outlet';

describe.skipIf(!HAS_CHROMIUM)('closed months, appeals and adjustments in a browser', () => {
  let work: string;
  let fixture: CloseFixture;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let sha256: string;
  const cookies = {} as Record<Who, string>;
  const shots: string[] = [];

  const runFile = <T>(path: string): T => JSON.parse(readFileSync(join(fixture.out, fixture.manifest.folder, path), 'utf8')) as T;

  /** A page as `who`, with what went wrong on it (console errors, page errors, failed responses). */
  async function open(path: string, who: Who = 'hr', locale = 'zh-CN'): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    const [name, ...value] = cookies[who].split('=');
    await context.addCookies([{ name: name!, value: value.join('='), url: base }]);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });
    await page.goto(`${base}/${path}`);
    await ready(page);
    return { page, problems };
  }

  async function ready(page: Page): Promise<void> {
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  }

  async function shoot(page: Page, name: string, selector?: string): Promise<void> {
    const file = join(work, 'shots', `${name}.png`);
    if (selector) await page.locator(selector).screenshot({ path: file });
    else await page.screenshot({ path: file, fullPage: true });
    shots.push(file);
    if (process.env.SHOTS === '1') {
      mkdirSync(SHOTS_COPY_DIR, { recursive: true });
      copyFileSync(file, join(SHOTS_COPY_DIR, `${name}.png`));
    }
  }

  const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'dashboard-close-'));
    mkdirSync(join(work, 'shots'));
    fixture = await makeCloseFixture(join(work, 'fixture'));
    sha256 = runFile<{ sha256: string }[]>('closes.json')[0]!.sha256;
    const distDir = join(work, 'dist');
    const { build } = await import('../dashboard/build.ts');
    await build(distDir);
    const accounts: Record<Who, TestAccount> = {
      hr: { name: 'hr', role: 'hr', password: 'hr-password-1' },
      manager: { name: 'manager', role: 'manager', password: 'manager-password-1' },
      outlet: { name: 'outlet-w1', role: 'outlet', outlet: 'W1', password: 'outlet-password-1' },
    };
    const usersFile = join(work, 'users.json');
    await writeUsersFile(usersFile, Object.values(accounts));
    const { buildServer } = await import('../dashboard/server.ts');
    app = await buildServer({ dataDir: fixture.out, distDir, logger: false, usersFile, sessionKey: TEST_SESSION_KEY });
    for (const [who, account] of Object.entries(accounts) as [Who, TestAccount][]) cookies[who] = await signIn(app, account.name, account.password);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address !== 'object') throw new Error('the server has no port');
    base = `http://127.0.0.1:${address.port}`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (shots.length > 0) console.log(`screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
    for (const part of ['fixture', 'dist', 'users.json']) rmSync(join(work, part), { recursive: true, force: true });
  });

  it('marks the closed month on the penalties page and in the month picker, and prints the close on its statement', async () => {
    const { page, problems } = await open('penalties.html?month=2026-01');
    expect(await page.locator('#closed-badge').textContent()).toMatch(new RegExp(`^已结账 \\d{4}-\\d{2}-\\d{2} · sha256 ${sha256.slice(0, 8)}…$`));
    expect(await page.locator('#close-status').textContent()).toContain('调整计入 2026-02');
    // the picker: January closed, the other months as they are
    expect(await texts(page, '#month-picker option')).toEqual(['2026-03', '2026-02', '2026-01 · 已结账']);
    expect(await page.locator('#month-picker').inputValue()).toBe('2026-01');
    // a closed month's totals: frozen, nothing booked into it, no adjustment column
    expect(await page.locator('#penalty-table thead').textContent()).not.toContain('应付金额');
    expect(await page.locator('#adjustments .message-info').textContent()).toBe('本月没有计入调整。');
    await shoot(page, 'close-penalties-closed-zh');

    // the printed statement carries the close: when, by whom, the whole hash
    await page.locator('#penalty-table a.row-link:text-is("T1")').click();
    await page.waitForSelector('#statement[data-state="ready"]');
    const printed = await page.locator('#statement-close').textContent();
    expect(printed).toContain('hr-anna');
    expect(printed).toContain(`SHA-256 ${sha256}`);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#statement-close').isVisible()).toBe(true);
    expect(await page.locator('#totals').isVisible()).toBe(false);
    await shoot(page, 'close-statement-closed-print-zh');
    await page.emulateMedia({ media: 'screen' });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it("shows each statement line's appeal state, and the open month's adjustments with their original month and reason", async () => {
    const { page, problems } = await open('penalties.html?month=2026-02');
    expect(await page.locator('#closed-badge').count()).toBe(0);
    // the totals of the month adjustments are booked into: adjustments and amount due
    const headers = (await texts(page, '#penalty-table thead th')).map((t) => t.replace(/[▲▼]/g, '').trim());
    expect(headers.slice(-3)).toEqual(['罚款金额', '调整', '应付金额']);
    const t1 = page.locator('#penalty-table tbody tr', { has: page.locator('a.row-link:text-is("T1")') });
    expect((await t1.locator('td').allTextContents()).slice(-3)).toEqual(['¥10', '-¥20', '-¥10']);
    expect(await page.locator('#penalty-summary').textContent()).toContain('计入本月的调整 +¥30，应付合计 ¥60。');
    expect((await page.locator('#penalty-table tfoot').textContent())!.replace(/\s+/g, '')).toContain('¥30+¥30¥60');

    // the adjustments section: original month, line, technician, rule, reason in words, signed amount
    const rows = await page.$$eval('#adjustments-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent?.trim() ?? '')));
    expect(rows).toEqual([
      ['IMAGE:V1', '2026-01', '张伟 T1', '上门形象不规范Uniform or badge not shown', '申诉', '-¥20'],
      ['IMAGE:V9', '2026-01', '李娜 T2', '上门形象不规范Uniform or badge not shown', '新增', '+¥20'],
      ['IMAGE:V3', '2026-01', '王强 T3', '上门形象不规范Uniform or badge not shown', '撤销', '-¥20'],
      ['NO_SHOE_COVERS:V3', '2026-01', '王强 T3', '未穿鞋套或未铺垫布No shoe covers or floor mat', '新增', '+¥50'],
    ]);
    expect(await page.locator('#adjustments-table tfoot').textContent()).toContain('+¥30');
    await shoot(page, 'close-penalties-open-zh');

    // T1's statement: the reduced line with its decided amount, the adjustment, and what is due
    await t1.locator('a.row-link').click();
    await page.waitForSelector('#statement[data-state="ready"]');
    expect(await page.locator('#statement-table [data-decision]').allTextContents()).toEqual(['减免¥20 → ¥10']);
    expect(await page.locator('#statement-close').textContent()).toBe('本月未结账：金额可能随申诉和补录数据变化。');
    expect(await texts(page, '#statement-adjustments tbody th')).toEqual(['IMAGE:V1']);
    expect(await page.locator('#statement-due').textContent()).toBe('应付合计: -¥10');
    await shoot(page, 'close-statement-open-zh', '#statement');
    // T2's: a line waived on appeal
    await page.goto(`${base}/penalties.html?month=2026-02#p=T2`);
    await ready(page);
    await page.waitForSelector('#statement[data-state="ready"]');
    expect(await page.locator('#statement-table [data-decision]').allTextContents()).toEqual(['撤销¥50 → ¥0']);
    // March: a pending appeal
    await page.goto(`${base}/penalties.html?month=2026-03#p=T1`);
    await ready(page);
    await page.waitForSelector('#statement[data-state="ready"]');
    expect(await page.locator('#statement-table [data-decision]').allTextContents()).toEqual(['待处理']);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('says the same in English', async () => {
    const { page, problems } = await open('penalties.html?month=2026-02#p=T3', 'hr', 'en-US');
    await page.waitForSelector('#statement[data-state="ready"]');
    expect(await page.locator('#statement-table [data-decision]').allTextContents()).toEqual(['Upheld']);
    expect(await texts(page, '#adjustments-table tbody td:nth-child(5)')).toEqual(['Appeal', 'Added', 'Withdrawn', 'Added']);
    expect(await texts(page, '#month-picker option')).toEqual(['2026-03', '2026-02', '2026-01 · closed']);
    await shoot(page, 'close-penalties-open-en');
    await page.goto(`${base}/penalties.html?month=2026-01`);
    await ready(page);
    expect(await page.locator('#closed-badge').textContent()).toMatch(/^Closed \d{4}-\d{2}-\d{2} · sha256 [0-9a-f]{8}…$/);
    await shoot(page, 'close-penalties-closed-en');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it("lists the closes and the month's appeal decisions on HR's audit page, in both languages", async () => {
    const { page, problems } = await open('audit.html?month=2026-02');
    expect(await texts(page, 'nav.tabs a')).toContain('结账与申诉');
    const close = await page.$$eval('#closes-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent?.trim() ?? '')));
    expect(close).toHaveLength(1);
    expect(close[0]!.slice(0, 1)).toEqual(['2026-01']);
    expect(close[0]!.slice(2)).toEqual(['hr-anna', '3', '¥140', '¥0', '¥140', '¥0', '¥480', '11', sha256]);
    const appeals = await page.$$eval('#appeals-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent?.trim() ?? '')));
    expect(appeals.map((r) => [r[0], r[1], r[5], r[6], r[9]])).toEqual([
      ['A0', 'IMAGE:V4', '维持', '—', '否'],
      ['A2', 'IMAGE:V4', '减免', '¥10', '是'],
      ['A3', 'NO_SHOE_COVERS:V5', '撤销', '—', '是'],
      ['A4', 'IMAGE:V6', '维持', '—', '是'],
    ]);
    expect(await page.locator('#appeal-summary').textContent()).toBe('生效的申诉 3 条：待处理 0，维持 1，撤销 1，减免 1。');
    // never the appellant's reason
    expect(await page.locator('main').textContent()).not.toContain('申诉理由');
    await shoot(page, 'close-audit-zh');
    await page.selectOption('#month-picker', '2026-01');
    await ready(page);
    expect(await texts(page, '#appeals-table tbody th')).toEqual(['A1']);
    expect(await page.locator('#close-status #closed-badge').count()).toBe(1);
    await page.click('#lang-toggle');
    await ready(page);
    expect(await page.locator('main h1').textContent()).toBe('Closes and appeals');
    expect(await texts(page, '#appeals-table tbody [data-decision]')).toEqual(['Waived']);
    await shoot(page, 'close-audit-en');
    await page.click('#lang-toggle');
    await ready(page);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('shows a manager the closed badge and the totals with their adjustments, no adjustment line and no audit page', async () => {
    const { page, problems } = await open('penalties.html?month=2026-02', 'manager');
    expect(await texts(page, 'nav.tabs a')).not.toContain('结账与申诉');
    expect((await texts(page, '#penalty-table thead th')).map((t) => t.replace(/[▲▼]/g, '').trim()).slice(-2)).toEqual(['调整', '应付金额']);
    expect(await page.locator('#adjustments').count()).toBe(0);
    await page.goto(`${base}/penalties.html?month=2026-01`);
    await ready(page);
    expect(await page.locator('#closed-badge').count()).toBe(1);
    expect(problems).toEqual([]);
    const audit = await page.request.get(`${base}/audit.html`);
    expect(audit.status()).toBe(403);
    await page.context().close();
  }, 60_000);

  it("shows an outlet its own adjustments only, from its own file", async () => {
    const { page, problems } = await open('penalties.html?month=2026-02', 'outlet');
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    expect(await texts(page, '#adjustments-table tbody th')).toEqual(['IMAGE:V1', 'IMAGE:V9']);
    expect(await texts(page, '#month-picker option')).toEqual(['2026-03', '2026-02', '2026-01 · 已结账']);
    await shoot(page, 'close-penalties-outlet-zh');
    await page.reload();
    await ready(page);
    expect(requested.filter((u) => u.includes('/data/runs/') && !u.includes('/by_outlet/W1/') && !/\/(run|closes|network)\.json$/.test(u))).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);
});
