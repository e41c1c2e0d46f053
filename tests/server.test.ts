// The dashboard server, end to end through fastify.inject (and, for request paths that inject
// would normalise, through a raw request handed straight to the HTTP handler). Requests the HTTP
// parser refuses are sent as bytes over a real socket to a server listening on a free port.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Duplex } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { buildServer, startServer } from '../dashboard/server.ts';
import { checkListen, ListenError } from '../dashboard/server/listen.ts';
import { formatRecord, loggerOptions } from '../dashboard/server/log-format.ts';
import { isSafePath } from '../dashboard/server/security.ts';
import { acceptsGzip } from '../dashboard/server/static-files.ts';
import { ConfigError, listenOptionsFromEnv, startSettingsFromEnv, urlOf } from '../dashboard/server/options.ts';
import { writeDownloadRows, writeOutletRowsFixture } from './download-rows-fixture.ts';
import { renderedOutletFileOrNull } from './downloads.ts';
import { signIn, TEST_SESSION_KEY, writeUsersFile } from './sign-in.ts';

const SECRET = 'TOP-SECRET-3f9c1a-never-served';
const NOT_FOUND_PAGE = 'dashboard/pages/404.html';
const FORBIDDEN_PAGE = 'dashboard/pages/403.html';
/** What a browser sends when it opens a page. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const RUN_A = '20260301T090000-001';
const RUN_B = '20260401T090000-002';
// everything published holds personal data or money; only hashed bundle chunks are public
const PRIVATE = 'private, no-cache';
const HASHED_CHUNK = 'public, max-age=31536000, immutable';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
// a month's page file as published: large, with its gzip copy beside it
const TECHNICIANS = JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ month: '2026-03', technician_id: `T${String(i).padStart(4, '0')}`, tickets_completed: i })));
const BOM = '\uFEFF';
// HR's penalty statement of March as the server renders it from the inputs of download-rows-fixture.ts
const PENALTIES_CSV =
  `${BOM}月份,工号,姓名,网点,网点名称,规则,说明,金额,证据,发生时间,除名项,处理\r\n` +
  '2026-03,T1,王师傅,W1,青岛一店,IMAGE,图片不合格,20.00,工单 GD1,2026-03-01 10:00:00,否,\r\n' +
  '2026-03,T1,王师傅,W1,青岛一店,,小计: 1 次违规,20.00,,,,\r\n' +
  '2026-03,,,,,,"合计: 1 人, 1 次违规",20.00,,,,停工培训 0 人；除名审核 0 人\r\n';
const SETTLEMENT_HEADER = `${BOM}月份,网点,网点名称,项目,服务类型,工单,工号,工程师,完工时间,说明,工单数,金额,暂扣金额,付款截止日\r\n`;
const ZHANG_SAN_ROWS = '2026-03,张三,张三网点,结算,安装,,,,,,1,80.00,,\r\n2026-03,张三,张三网点,网点合计,,,,,,结算 1 张，罚款 0 笔，暂扣 0 张,1,80.00,0.00,2026-03-28\r\n';
const W1_ROWS = '2026-03,W1,青岛一店,结算,维修,,,,,,1,120.00,,\r\n2026-03,W1,青岛一店,网点合计,,,,,,结算 1 张，罚款 0 笔，暂扣 0 张,1,120.00,0.00,2026-03-28\r\n';

let root: string;
/** the rows files of the downloads of March (download_rows/…), copied into each run published */
let downloadRows: string;
/** the rows of the outlets' files (outlet_rows/…), copied into each run published */
let outletRows: string;
let settledTickets: string;
let dataDir: string;
let distDir: string;
let usersFile: string;
let app: FastifyInstance;
// signed in as HR, who may read every published file (who may read what: tests/access.test.ts)
let hrCookie: string;
let managerCookie: string;

/** A request as the signed-in HR account. */
function inject(options: InjectOptions) {
  return app.inject({ ...options, headers: { cookie: hrCookie, ...options.headers } });
}

/** The server of these tests: its own users file and session key. */
function serverOf() {
  return buildServer({ dataDir, distDir, usersFile, sessionKey: TEST_SESSION_KEY });
}

function write(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

function manifestOf(runId: string, months: string[]) {
  return { run_id: runId, published_at: '2026-04-01 09:00:00', folder: `runs/${runId}`, months, latest_month: months.at(-1) ?? null };
}

/** What the publish step does: the run folder, then the manifest switched by one rename. */
function publishRun(runId: string, months: string[]): void {
  const run = join(dataDir, 'runs', runId);
  write(join(run, 'network.json'), JSON.stringify(months.map((month) => ({ month, tickets_completed: 10 }))));
  write(join(run, 'technicians', `${months.at(-1)}.json`), '[]\n');
  write(join(run, 'technicians', '2026-03.json'), TECHNICIANS);
  write(join(run, 'technicians', '2026-03.json.gz'), gzipSync(TECHNICIANS));
  // the rows the downloads of March are rendered from (no other month has any)
  cpSync(downloadRows, join(run, 'download_rows'), { recursive: true });
  write(join(run, 'tables', 'penalty_lines.parquet'), Buffer.from('PAR1 not really parquet PAR1'));
  // the rows the outlets' files are rendered from, among them outlets whose ids are no plain file names
  cpSync(outletRows, join(run, 'outlet_rows'), { recursive: true });
  cpSync(settledTickets, join(run, 'tables', 'settlement_lines'), { recursive: true });
  const tmp = join(dataDir, `.manifest-${runId}.json`);
  writeFileSync(tmp, JSON.stringify(manifestOf(runId, months), null, 2) + '\n');
  renameSync(tmp, join(dataDir, 'manifest.json'));
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Hands a request with the path exactly as given (no URL normalisation, unlike inject) to the
 * server's request handler, over an in-memory socket, and reads the response back.
 */
function rawGet(server: Server, url: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const written: Buffer[] = [];
    const socket = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        written.push(Buffer.from(chunk));
        callback();
      },
    });
    Object.assign(socket, { remoteAddress: '127.0.0.1', setTimeout() {} });
    const request = new IncomingMessage(socket as never);
    Object.assign(request, { method: 'GET', url, httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1, headers: { host: 'localhost', cookie: hrCookie } });
    request.push(null);
    const response = new ServerResponse(request);
    response.assignSocket(socket as never);
    response.on('error', reject);
    response.on('finish', () => {
      const text = Buffer.concat(written).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine?.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    server.emit('request', request, response);
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dashboard-server-'));
  dataDir = join(root, 'data');
  distDir = join(root, 'dist');
  mkdirSync(dataDir);
  await writeDownloadRows(join(root, 'rows'), '2026-03');
  downloadRows = join(root, 'rows', 'download_rows');
  await writeOutletRowsFixture(join(root, 'rows'));
  outletRows = join(root, 'rows', 'outlet_rows');
  settledTickets = join(root, 'rows', 'tables', 'settlement_lines');
  // files beside and above the served folders that must never come out
  write(join(root, 'secret.txt'), SECRET);
  write(join(root, 'secret.json'), JSON.stringify({ secret: SECRET }));
  write(join(root, 'package.json'), JSON.stringify({ name: SECRET }));
  write(join(distDir, 'index.html'), '<!doctype html><title>Dashboard</title><script src="app.js"></script>');
  write(join(distDir, 'app.js'), 'console.log("dashboard");');
  write(join(distDir, 'app.css'), 'body { margin: 0 }');
  write(join(distDir, 'technicians.html'), '<!doctype html><title>Technicians</title>');
  // the real not-found page, as the build copies it
  write(join(distDir, '404.html'), readFileSync(NOT_FOUND_PAGE));
  write(join(distDir, '403.html'), readFileSync(FORBIDDEN_PAGE));
  write(join(distDir, 'settlement.html'), '<!doctype html><title>Settlement</title>');
  write(join(distDir, 'chunks', 'chunk-337ECO7D.js'), 'export const x = 1;');
  // source maps left in the folder by an older build: never served
  write(join(distDir, 'app.js.map'), JSON.stringify({ version: 3, sources: [SECRET] }));
  write(join(distDir, 'chunks', 'chunk-337ECO7D.js.map'), JSON.stringify({ version: 3, sources: [SECRET] }));
  // not part of the published contract, or not finished: never served
  write(join(dataDir, 'notes.txt'), 'operator notes');
  write(join(dataDir, 'runs', '.incomplete-20260501T000000-000', 'network.json'), '[]');
  write(join(dataDir, '.manifest-20260501T000000-000.json'), '{}');
  // links out of the folders
  symlinkSync(join(root, 'secret.json'), join(dataDir, 'linked.json'));
  symlinkSync(join(root, 'secret.txt'), join(distDir, 'linked.html'));
  usersFile = join(root, 'users.json');
  await writeUsersFile(usersFile, [
    { name: 'hr', role: 'hr', password: 'hr-password-1' },
    // a manager may not open the settlement (spec 7): the forbidden page
    { name: 'manager', role: 'manager', password: 'manager-password-1' },
  ]);
  app = await serverOf();
  hrCookie = await signIn(app, 'hr', 'hr-password-1');
  managerCookie = await signIn(app, 'manager', 'manager-password-1');
});

afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('options', () => {
  it('rejects a missing dataDir or distDir with a clear error', async () => {
    await expect(buildServer(undefined as never)).rejects.toThrow(/options \{ dataDir, distDir \} are required/);
    await expect(buildServer({ distDir } as never)).rejects.toThrow(/option dataDir is required/);
    await expect(buildServer({ dataDir } as never)).rejects.toThrow(/option distDir is required/);
    await expect(buildServer({ dataDir: '', distDir })).rejects.toThrow(/option dataDir is required/);
    await expect(buildServer({ dataDir: join(root, 'missing'), distDir })).rejects.toThrow(/dataDir .*missing does not exist/);
    await expect(buildServer({ dataDir, distDir: join(root, 'secret.txt') })).rejects.toThrow(/distDir .*secret\.txt is not a folder/);
    await expect(buildServer({ dataDir: 42 as never, distDir })).rejects.toBeInstanceOf(ConfigError);
  });

  it('reads HOST and PORT from the environment, with defaults, and refuses a bad PORT', () => {
    expect(listenOptionsFromEnv({})).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(listenOptionsFromEnv({ HOST: '0.0.0.0', PORT: '8080' })).toEqual({ host: '0.0.0.0', port: 8080 });
    for (const PORT of ['abc', '-1', '65536', '80.5', '3000x', ' ']) {
      expect(() => listenOptionsFromEnv({ PORT }), PORT).toThrow(/^PORT must be a whole number from 0 to 65535/);
    }
    expect(urlOf('::1', 3000)).toBe('http://[::1]:3000');
  });

  it('reads LOG_FORMAT (readable by default, or json) and refuses another', () => {
    expect(startSettingsFromEnv({})).toEqual({ host: '127.0.0.1', port: 3000, logLevel: 'info', logFormat: 'readable' });
    expect(startSettingsFromEnv({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => startSettingsFromEnv({ LOG_FORMAT: 'pretty' })).toThrow('LOG_FORMAT must be one of readable, json (got "pretty")');
  });
});

describe('the log', () => {
  const at = new Date(2026, 2, 1, 7, 12, 3).getTime();

  it('formats a request, an access decision and a message as one line each', () => {
    expect(formatRecord({ level: 30, time: at, msg: 'request', request: { method: 'GET', path: '/outlets.html', status: 200, ms: 4.3, user: 'demo-hr' } })).toBe('07:12:03  GET /outlets.html  200  4 ms  demo-hr');
    expect(formatRecord({ level: 30, time: at, msg: 'request', request: { method: 'GET', path: '/', status: 303, ms: 0.4, user: null } })).toBe('07:12:03  GET /  303  0 ms  -');
    const access = { user: 'outlet-a', role: 'outlet', method: 'GET', path: '/data/x.json', result: 'refused', status: 403 };
    expect(formatRecord({ level: 30, time: at, msg: 'access refused', access })).toBe('07:12:03  access refused  GET /data/x.json  403  outlet-a (outlet)');
    expect(formatRecord({ level: 30, time: at, access: { ...access, user: null, role: null, result: 'failed', status: 401 } })).toBe('07:12:03  access failed  GET /data/x.json  401  (no account)');
    expect(formatRecord({ level: 30, time: at, msg: 'shutting down', signal: 'SIGTERM', pid: 1 })).toBe('07:12:03  shutting down signal=SIGTERM');
    expect(formatRecord({ level: 50, time: at, msg: 'request failed', err: { message: 'disk gone', stack: 'Error: disk gone\n    at x' } })).toBe('07:12:03  error: request failed\nError: disk gone\n    at x');
    expect(formatRecord({ level: 40, time: at, msg: 'refused a path', path: '/a b' })).toBe('07:12:03  warn: refused a path path="/a b"');
    // the start commands print the address themselves
    expect(formatRecord({ level: 30, time: at, msg: 'Server listening at http://127.0.0.1:3000' })).toBeNull();
  });

  async function logOf(format: 'readable' | 'json', requests: (server: FastifyInstance, cookie: string, manager: string) => Promise<unknown>): Promise<string[]> {
    const lines: string[] = [];
    const logged = await buildServer({ dataDir, distDir, usersFile, sessionKey: TEST_SESSION_KEY, logger: loggerOptions('info', format, { write: (t: string) => lines.push(t) }) });
    try {
      const cookie = await signIn(logged, 'hr', 'hr-password-1');
      const manager = await signIn(logged, 'manager', 'manager-password-1');
      lines.length = 0;
      await requests(logged, cookie, manager);
    } finally {
      await logged.close();
    }
    return lines.join('').split('\n').filter((line) => line !== '');
  }

  const someRequests = async (server: FastifyInstance, cookie: string, manager: string) => {
    await server.inject({ method: 'GET', url: '/api/session?name=Zhang-San-13800138000', headers: { cookie } });
    await server.inject({ method: 'POST', url: '/auth/sign-in', payload: { name: 'hr', password: 'wrong-PASSWORD-x1' } });
    await server.inject({ method: 'GET', url: '/technicians.html?q=secret-query' });
    await server.inject({ method: 'GET', url: '/settlement.html', headers: { cookie: manager, accept: BROWSER_ACCEPT } });
  };

  it('writes one readable line per request, and one per access decision, without query, password or cookie', async () => {
    const lines = await logOf('readable', someRequests);
    expect(lines.map((line) => line.replace(/^\d\d:\d\d:\d\d  /, '').replace(/  \d+ ms  /, '  N ms  '))).toEqual([
      'GET /api/session  200  N ms  hr',
      'access failed  POST /auth/sign-in  401  hr (hr)',
      'POST /auth/sign-in  401  N ms  -',
      'access not-signed-in  GET /technicians.html  303  (no account)',
      'GET /technicians.html  303  N ms  -',
      // the refused request's own line names its account too
      'access refused  GET /settlement.html  403  manager (manager)',
      'GET /settlement.html  403  N ms  manager',
    ]);
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d  /);
    const text = lines.join('\n');
    for (const secret of ['Zhang', '13800138000', 'wrong-PASSWORD', 'secret-query', 'sq_session', '{']) expect(text).not.toContain(secret);
  });

  it('keeps JSON lines for operators (LOG_FORMAT=json), with the same fields and no query either', async () => {
    const lines = (await logOf('json', someRequests)).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((l) => l.request).map((l) => ({ ...(l.request as object), ms: 0 }))).toEqual([
      { method: 'GET', path: '/api/session', status: 200, ms: 0, user: 'hr' },
      { method: 'POST', path: '/auth/sign-in', status: 401, ms: 0, user: null },
      { method: 'GET', path: '/technicians.html', status: 303, ms: 0, user: null },
      { method: 'GET', path: '/settlement.html', status: 403, ms: 0, user: 'manager' },
    ]);
    expect(lines.filter((l) => l.access)).toHaveLength(3);
    expect(JSON.stringify(lines)).not.toMatch(/Zhang|wrong-PASSWORD|secret-query|sq_session/);
  });
});

describe('a port in use', () => {
  let holder: ReturnType<typeof createServer>;
  let busy: number;

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: 0 }, resolve));
    busy = (holder.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve));
  });

  it('is one line saying to set PORT, before and when listening', async () => {
    const line = `port ${busy} is in use; set PORT to another port, e.g. PORT=${busy + 1} npm start`;
    await expect(checkListen('127.0.0.1', busy, 'npm start')).rejects.toThrow(new ListenError(line, 'EADDRINUSE', busy));
    await expect(checkListen('127.0.0.1', 0, 'npm start')).resolves.toBeUndefined();
    const started = startServer({ dataDir, distDir, host: '127.0.0.1', port: busy, usersFile, logLevel: 'silent', sessionKey: TEST_SESSION_KEY });
    await expect(started).rejects.toBeInstanceOf(ListenError);
    await expect(started).rejects.toThrow(line);
  });

  it('stops the bare server with that line and exit code 1', async () => {
    const env = { ...process.env, PORT: String(busy), HOST: '127.0.0.1', DATA_DIR: dataDir, DIST_DIR: distDir, USERS_FILE: usersFile, SESSION_KEY: TEST_SESSION_KEY.toString('hex') };
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile('node_modules/.bin/tsx', ['dashboard/server.ts'], { env, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
      child.stdin?.end();
    });
    expect([code, stderr, stdout]).toEqual([1, `error: port ${busy} is in use; set PORT to another port, e.g. PORT=${busy + 1} npx tsx dashboard/server.ts\n`, '']);
  }, 60_000);
});

describe('health and security headers', () => {
  it('answers /healthz', async () => {
    const res = await inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('sends the strict Content-Security-Policy on pages, data and errors', async () => {
    for (const url of ['/', '/healthz', '/data/manifest.json', '/api/manifest', '/nope']) {
      const res = await inject({ method: 'GET', url });
      const csp = String(res.headers['content-security-policy']);
      const directives = Object.fromEntries(
        csp.split(';').map((part) => {
          const [name, ...values] = part.trim().split(/\s+/);
          return [name, values];
        }),
      );
      expect(directives, url).toEqual({
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'frame-ancestors': ["'none'"],
      });
      expect(csp).not.toMatch(/unsafe/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
  });
});

describe('manifest', () => {
  it('is 503 with a JSON error before anything is published', async () => {
    for (const url of ['/api/manifest']) {
      const res = await inject({ method: 'GET', url });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.json()).toEqual({ error: 'no published results yet' });
    }
    const file = await inject({ method: 'GET', url: '/data/manifest.json' });
    expect(file.statusCode).toBe(404);
    expect(file.json()).toEqual({ error: 'not found' });
  });

  it('serves the current manifest and picks up a switch without a restart', async () => {
    publishRun(RUN_A, ['2026-02', '2026-03']);
    const first = await inject({ method: 'GET', url: '/api/manifest' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.headers['cache-control']).toBe(PRIVATE);
    expect(first.json()).toEqual(manifestOf(RUN_A, ['2026-02', '2026-03']));

    publishRun(RUN_B, ['2026-02', '2026-03', '2026-04']);
    const second = await inject({ method: 'GET', url: '/api/manifest' });
    expect(second.json()).toEqual(manifestOf(RUN_B, ['2026-02', '2026-03', '2026-04']));

    const file = await inject({ method: 'GET', url: '/data/manifest.json' });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(file.headers['cache-control']).toBe(PRIVATE);
    expect(file.json()).toEqual(manifestOf(RUN_B, ['2026-02', '2026-03', '2026-04']));
  });

  it('passes fields added to the manifest through, and answers 503 for a broken one', async () => {
    const path = join(dataDir, 'manifest.json');
    writeFileSync(path, JSON.stringify({ ...manifestOf(RUN_B, ['2026-04']), schema: 2 }));
    expect((await inject({ method: 'GET', url: '/api/manifest' })).json()).toMatchObject({ run_id: RUN_B, schema: 2 });

    for (const broken of ['{"run_id": "x", ', '[]', '{"run_id": 1, "published_at": "x", "folder": "runs/x"}']) {
      writeFileSync(path, broken);
      const res = await inject({ method: 'GET', url: '/api/manifest' });
      expect(res.statusCode, broken).toBe(503);
      expect(res.json()).toEqual({ error: 'the published manifest is unreadable' });
    }
    publishRun(RUN_B, ['2026-02', '2026-03', '2026-04']);
  });
});

describe('published files', () => {
  it('serves run JSON as private, revalidated', async () => {
    const res = await inject({ method: 'GET', url: `/data/runs/${RUN_A}/network.json` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe(PRIVATE);
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(res.json()).toEqual([
      { month: '2026-02', tickets_completed: 10 },
      { month: '2026-03', tickets_completed: 10 },
    ]);
    const etag = res.headers.etag;
    expect(etag).toBeTruthy();
    const again = await inject({ method: 'GET', url: `/data/runs/${RUN_A}/network.json`, headers: { 'if-none-match': String(etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('serves the HR downloads as attachments with a file name, rendered from the rows of the run', async () => {
    const csv = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/penalties/2026-03.csv` });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="penalties_2026-03.csv"; filename*=UTF-8''penalties_2026-03.csv`);
    expect(csv.headers['cache-control']).toBe(PRIVATE);
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.body).toBe(PENALTIES_CSV);
    expect(Number(csv.headers['content-length'])).toBe(csv.rawPayload.length);

    const en = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/penalties/2026-03.en.csv` });
    expect(en.statusCode).toBe(200);
    expect(en.headers['content-disposition']).toBe(`attachment; filename="penalties_2026-03.en.csv"; filename*=UTF-8''penalties_2026-03.en.csv`);
    expect(en.body.split('\r\n').slice(0, 2)).toEqual([
      `${BOM}Month,Technician ID,Name,Outlet,Outlet name,Rule,Description,Amount,Evidence,Occurred at,Dismissal item,Action`,
      '2026-03,T1,王师傅,W1,青岛一店,IMAGE,Image rejected,20.00,ticket GD1,2026-03-01 10:00:00,No,',
    ]);

    const xlsx = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/penalties/2026-03.xlsx` });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toBe(XLSX);
    expect(xlsx.headers['content-disposition']).toBe(`attachment; filename="penalties_2026-03.xlsx"; filename*=UTF-8''penalties_2026-03.xlsx`);
    expect(xlsx.headers['cache-control']).toBe(PRIVATE);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as never);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['罚款明细', '汇总']);
    expect(workbook.worksheets[0]!.getRow(2).values).toEqual([undefined, '2026-03', 'T1', '王师傅', 'W1', '青岛一店', 'IMAGE', '图片不合格', 20, '工单 GD1', expect.any(Date), '否']);
    expect(workbook.worksheets[1]!.rowCount).toBe(3);

    const settlement = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/settlement/2026-03.csv` });
    expect(settlement.statusCode).toBe(200);
    expect(settlement.headers['content-disposition']).toBe(`attachment; filename="settlement_2026-03.csv"; filename*=UTF-8''settlement_2026-03.csv`);
    expect(settlement.body).toBe(`${SETTLEMENT_HEADER}${W1_ROWS}${ZHANG_SAN_ROWS}2026-03,,2 个网点,合计,,,,,,结算 2 张，暂扣 0 张,2,200.00,0.00,2026-03-28\r\n`);

    const parquet = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/tables/penalty_lines.parquet` });
    expect(parquet.statusCode).toBe(200);
    expect(parquet.headers['content-type']).toBe('application/vnd.apache.parquet');
    expect(parquet.headers['content-disposition']).toMatch(/^attachment; filename="tables_penalty_lines\.parquet"/);
  });

  it("renders an outlet's statement from its rows alone, found by the folder of its id", async () => {
    const zhangSan = `/data/runs/${RUN_B}/by_outlet/${encodeURIComponent(encodeURIComponent('张三'))}/settlement/2026-03`;
    const csv = await inject({ method: 'GET', url: `${zhangSan}.csv` });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['cache-control']).toBe(PRIVATE);
    // the name it is saved under holds the folder, as the file had
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="by_outlet_%E5%BC%A0%E4%B8%89_settlement_2026-03.csv"; filename*=UTF-8''by_outlet_%25E5%25BC%25A0%25E4%25B8%2589_settlement_2026-03.csv`);
    expect(csv.body).toBe(`${SETTLEMENT_HEADER}${ZHANG_SAN_ROWS}`);
    const w1 = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/by_outlet/W1/settlement/2026-03.csv` });
    expect(w1.body).toBe(`${SETTLEMENT_HEADER}${W1_ROWS}`);
    const xlsx = await inject({ method: 'GET', url: `${zhangSan}.en.xlsx` });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toBe(XLSX);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as never);
    expect(workbook.worksheets.map((sheet) => [sheet.name, sheet.rowCount])).toEqual([['Statement', 3]]);
    expect(workbook.worksheets[0]!.getColumn(2).values).toEqual([undefined, 'Outlet', '张三', '张三']);
    // an outlet with a folder but no row that month, an outlet not in the run, the bare folder name: none
    for (const folder of [encodeURIComponent(encodeURIComponent('A/B')), 'W2', encodeURIComponent('张三')]) {
      const res = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/by_outlet/${folder}/settlement/2026-03.csv` });
      expect([folder, res.statusCode, res.json()]).toEqual([folder, 404, { error: 'not found' }]);
    }
  });

  it('answers a download without rows as not found, and HEAD of a download with its headers', async () => {
    for (const path of [`runs/${RUN_B}/penalties/2026-02.csv`, `runs/${RUN_B}/penalties/2026-04.en.xlsx`, `runs/${RUN_B}/settlement/2026-02.xlsx`, `runs/${RUN_B}/by_outlet/W1/settlement/2026-04.csv`, 'runs/20000101T000000-000/penalties/2026-03.csv']) {
      const res = await inject({ method: 'GET', url: `/data/${path}` });
      expect([path, res.statusCode, res.headers['cache-control'], res.headers['content-disposition']]).toEqual([path, 404, 'no-store', undefined]);
      expect(res.json()).toEqual({ error: 'not found' });
    }
    // the rows themselves are no published file: not found, to HR too
    const rows = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/download_rows/penalty_lines/2026-03.parquet` });
    expect([rows.statusCode, rows.json()]).toEqual([404, { error: 'not found' }]);

    const head = await inject({ method: 'HEAD', url: `/data/runs/${RUN_B}/penalties/2026-03.csv` });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(head.headers['content-disposition']).toBe(`attachment; filename="penalties_2026-03.csv"; filename*=UTF-8''penalties_2026-03.csv`);
    expect(head.headers['cache-control']).toBe(PRIVATE);
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(PENALTIES_CSV));
    expect(head.body).toBe('');
    const missing = await inject({ method: 'HEAD', url: `/data/runs/${RUN_B}/penalties/2026-02.csv` });
    expect([missing.statusCode, missing.body]).toEqual([404, '']);
  });

  it('serves files of percent-encoded ids when the URL encodes the file name once more', async () => {
    for (const [id, technician] of [['张三', 'T7'], ['A/B', 'T2']]) {
      const folder = encodeURIComponent(id!);
      const res = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/by_outlet/${encodeURIComponent(folder)}/technicians.json` });
      expect(res.statusCode, id).toBe(200);
      expect(res.body).toBe(`[{"month":"2026-03","technician_id":"${technician}","outlet_id":"${id}"}]\n`);
      // the folder name used as the URL is decoded by the server to the id itself: not that folder
      const bare = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/by_outlet/${folder}/technicians.json` });
      expect(bare.statusCode, id).toBe(404);
    }
  });

  it("renders an outlet's file from the rows of every outlet, gzipped when large and accepted", async () => {
    const w1 = `/data/runs/${RUN_B}/by_outlet/W1`;
    const technicians = await inject({ method: 'GET', url: `${w1}/technicians.json` });
    expect(technicians.statusCode).toBe(200);
    expect(technicians.body).toBe('[{"month":"2026-03","technician_id":"T1","outlet_id":"W1"}]\n');
    expect(technicians.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(technicians.headers['cache-control']).toBe(PRIVATE);
    expect(technicians.headers['content-disposition']).toBeUndefined();
    expect(technicians.headers['content-encoding']).toBeUndefined();
    // 300 tickets: large enough to be sent gzipped to a client that takes gzip, and only then
    const plain = await inject({ method: 'GET', url: `${w1}/settlement_lines.json` });
    const lines = JSON.parse(plain.body) as { ticket_id: string; fee: number }[];
    expect([lines.length, lines[0], lines.at(-1)!.ticket_id]).toEqual([
      300,
      { settlement_month: '2026-03', outlet_id: 'W1', ticket_id: 'GD0000', line_id: 'SETTLE:GD0000', technician_id: 'T1', technician_name: '王师傅', service_type: 'repair', completed_at: '2026-03-01 09:00:00', revisit_id: 'R0000', revisit_at: '2026-03-02 10:00:00', fee: 120.0 },
      'GD0299',
    ]);
    expect(plain.rawPayload.length).toBeGreaterThan(16 * 1024);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('accept-encoding');
    const gzipped = await inject({ method: 'GET', url: `${w1}/settlement_lines.json`, headers: { 'accept-encoding': 'br, gzip;q=0.8' } });
    expect([gzipped.statusCode, gzipped.headers['content-encoding'], gzipped.headers.vary]).toEqual([200, 'gzip', 'accept-encoding']);
    expect(gunzipSync(gzipped.rawPayload).equals(plain.rawPayload)).toBe(true);
    const refused = await inject({ method: 'GET', url: `${w1}/settlement_lines.json`, headers: { 'accept-encoding': 'gzip;q=0, br' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.rawPayload.equals(plain.rawPayload)).toBe(true);
    // an outlet known from its settlement only has its settlement files, empty here, and no other
    const settlementOnly = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/by_outlet/W9/settlement_lines.json` });
    expect([settlementOnly.statusCode, settlementOnly.body]).toEqual([200, '[]\n']);
    // not there: an outlet's file it has not, an outlet not in the run, no family
    for (const path of ['W9/technicians.json', 'W2/technicians.json', 'W1/nothing.json']) {
      const res = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/by_outlet/${path}` });
      expect([path, res.statusCode, res.json()]).toEqual([path, 404, { error: 'not found' }]);
    }
    const head = await inject({ method: 'HEAD', url: `${w1}/technicians.json` });
    expect([head.statusCode, head.body, Number(head.headers['content-length'])]).toEqual([200, '', technicians.rawPayload.length]);
  });

  it("renders an outlet's statement lines from the months' penalty lines of HR's statement inputs; a run folder of format 14 from their own rows", async () => {
    const w1 = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/by_outlet/W1/penalty_lines.json` });
    expect([w1.statusCode, w1.json()]).toEqual([
      200,
      [
        {
          month: '2026-03', technician_id: 'T1', outlet_id: 'W1', rule_id: 'IMAGE', rule_name_zh: '图片不合格', rule_name_en: 'Image rejected', amount: 20,
          occurred_at: '2026-03-01 10:00:00', ticket_id: 'GD1', revisit_id: null, complaint_id: null, violation_id: null, dismissal: false,
          line_id: 'IMAGE:GD1', appeal_id: null, appeal_decision: null, amount_before_appeal: null,
        },
      ],
    ]);
    // an outlet with no line in that month, and a run folder with no month of lines: []
    const other = `/data/runs/${RUN_B}/by_outlet/${encodeURIComponent(encodeURIComponent('A/B'))}/penalty_lines.json`;
    expect((await inject({ method: 'GET', url: other })).body).toBe('[]\n');
    const none = join(root, 'no-penalty-month');
    cpSync(outletRows, join(none, 'outlet_rows'), { recursive: true });
    expect((await renderedOutletFileOrNull(none, 'by_outlet/W1/penalty_lines.json'))?.toString()).toBe('[]\n');
    // format 14 wrote every outlet's lines to outlet_rows/penalty_lines.parquet, which is read first
    const old = join(root, 'format-14');
    cpSync(outletRows, join(old, 'outlet_rows'), { recursive: true });
    cpSync(downloadRows, join(old, 'download_rows'), { recursive: true });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`
      copy (
        select '2026-02' as month, 'W1' as outlet_id, 'T9' as technician_id, timestamp '2026-02-03 09:00:00' as occurred_at, 'IMAGE' as rule_id,
          'GD9' as ticket_id, null::varchar as revisit_id, null::varchar as complaint_id, null::varchar as violation_id, 'IMAGE:GD9' as line_id
      )
      to '${join(old, 'outlet_rows', 'penalty_lines.parquet')}' (format parquet)`);
    connection.closeSync();
    instance.closeSync();
    expect((await renderedOutletFileOrNull(old, 'by_outlet/W1/penalty_lines.json'))?.toString()).toBe(
      '[{"month":"2026-02","outlet_id":"W1","technician_id":"T9","occurred_at":"2026-02-03 09:00:00","rule_id":"IMAGE","ticket_id":"GD9","revisit_id":null,"complaint_id":null,"violation_id":null,"line_id":"IMAGE:GD9"}]\n',
    );
  });

  it('renders the settled tickets of a run folder of format 12 from its one contract file, and of no month as []', async () => {
    const current = await renderedOutletFileOrNull(join(root, 'rows'), 'by_outlet/W1/settlement_lines.json');
    expect(current?.toString()).toContain('"ticket_id":"GD0299"');
    // format 12 wrote the contract table whole, tables/settlement_lines.parquet
    const old = join(root, 'format-12');
    cpSync(outletRows, join(old, 'outlet_rows'), { recursive: true });
    mkdirSync(join(old, 'tables'), { recursive: true });
    cpSync(join(settledTickets, '2026-03.parquet'), join(old, 'tables', 'settlement_lines.parquet'));
    expect((await renderedOutletFileOrNull(old, 'by_outlet/W1/settlement_lines.json'))!.equals(current!)).toBe(true);
    // a run folder of no settlement month: the folder with no file
    const none = join(root, 'no-settlement-month');
    cpSync(outletRows, join(none, 'outlet_rows'), { recursive: true });
    mkdirSync(join(none, 'tables', 'settlement_lines'), { recursive: true });
    expect((await renderedOutletFileOrNull(none, 'by_outlet/W1/settlement_lines.json'))?.toString()).toBe('[]\n');
  });

  it('renders the settled tickets of a run folder of format 11 from their own rows', async () => {
    // format 11 wrote them, with the names, to outlet_rows/settlement_lines.parquet; no technician_names
    const old = join(root, 'format-11');
    cpSync(outletRows, join(old, 'outlet_rows'), { recursive: true });
    rmSync(join(old, 'outlet_rows', 'technician_names.parquet'));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`
      copy (select '2026-03' as settlement_month, 'W1' as outlet_id, 'GD9' as ticket_id, 'T9' as technician_name, timestamp '2026-03-05 10:00:00' as completed_at, 60.00::decimal(18, 2) as fee)
      to '${join(old, 'outlet_rows', 'settlement_lines.parquet')}' (format parquet)`);
    connection.closeSync();
    instance.closeSync();
    const body = await renderedOutletFileOrNull(old, 'by_outlet/W1/settlement_lines.json');
    expect(body?.toString()).toBe('[{"settlement_month":"2026-03","outlet_id":"W1","ticket_id":"GD9","technician_name":"T9","completed_at":"2026-03-05 10:00:00","fee":60.00}]\n');
    // neither file: no rows to render
    rmSync(join(old, 'outlet_rows', 'settlement_lines.parquet'));
    expect(await renderedOutletFileOrNull(old, 'by_outlet/W1/settlement_lines.json')).toBeNull();
  });

  it("makes HR's statement lines of a month from the month's penalty lines, and a month without them is not found", async () => {
    const res = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/penalty_lines/2026-03.json` });
    expect([res.statusCode, res.headers['content-type'], res.headers['cache-control'], res.headers['content-disposition']]).toEqual([200, 'application/json; charset=utf-8', PRIVATE, undefined]);
    expect(res.json()).toEqual([
      {
        month: '2026-03', technician_id: 'T1', outlet_id: 'W1', rule_id: 'IMAGE', rule_name_zh: '图片不合格', rule_name_en: 'Image rejected', amount: 20,
        occurred_at: '2026-03-01 10:00:00', ticket_id: 'GD1', revisit_id: null, complaint_id: null, violation_id: null, dismissal: false,
        line_id: 'IMAGE:GD1', appeal_id: null, appeal_decision: null, amount_before_appeal: null,
      },
    ]);
    const missing = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/penalty_lines/2026-02.json` });
    expect([missing.statusCode, missing.json()]).toEqual([404, { error: 'not found' }]);
  });

  it('serves the files of an outlet folder of a run folder of an older format, which has them as files', async () => {
    const old = '20260201T090000-000';
    write(join(dataDir, 'runs', old, 'by_outlet', 'W1', 'technicians.json'), '[{"outlet_id":"W1"}]\n');
    const res = await inject({ method: 'GET', url: `/data/runs/${old}/by_outlet/W1/technicians.json` });
    expect([res.statusCode, res.body, res.headers['cache-control']]).toEqual([200, '[{"outlet_id":"W1"}]\n', PRIVATE]);
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await inject({ method: 'HEAD', url: `/data/runs/${RUN_A}/network.json` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe(PRIVATE);
    expect(res.body).toBe('');
  });
});

describe('precompressed page files', () => {
  const url = () => `/data/runs/${RUN_B}/technicians/2026-03.json`;

  it('sends the gzip copy to a client that accepts gzip, as the JSON it stands for', async () => {
    for (const acceptEncoding of ['gzip', 'gzip, deflate, br', 'br;q=1, gzip;q=0.5', '*']) {
      const res = await inject({ method: 'GET', url: url(), headers: { 'accept-encoding': acceptEncoding } });
      expect(res.statusCode, acceptEncoding).toBe(200);
      expect(res.headers['content-encoding'], acceptEncoding).toBe('gzip');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(String(res.headers.vary)).toMatch(/accept-encoding/i);
      expect(res.headers['cache-control']).toBe(PRIVATE);
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
      expect(res.rawPayload.length).toBeLessThan(TECHNICIANS.length / 4);
      expect(gunzipSync(res.rawPayload).toString('utf8')).toBe(TECHNICIANS);
    }
  });

  it('sends the file as it is to a client that does not accept gzip, still varying on it', async () => {
    for (const headers of [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'br' }]) {
      const res = await inject({ method: 'GET', url: url(), headers });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(String(res.headers.vary)).toMatch(/accept-encoding/i);
      expect(res.body).toBe(TECHNICIANS);
    }
    // a file published without a copy: as it is, whatever the client accepts
    const small = await inject({ method: 'GET', url: `/data/runs/${RUN_A}/network.json`, headers: { 'accept-encoding': 'gzip' } });
    expect(small.statusCode).toBe(200);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(String(small.headers.vary)).toMatch(/accept-encoding/i);
    expect(small.json()).toHaveLength(2);
  });

  it('revalidates each encoding by its own tag, answers HEAD, and never serves the copy by its own name', async () => {
    const gz = await inject({ method: 'GET', url: url(), headers: { 'accept-encoding': 'gzip' } });
    const plain = await inject({ method: 'GET', url: url() });
    expect(gz.headers.etag).toBeTruthy();
    expect(gz.headers.etag).not.toBe(plain.headers.etag);
    const again = await inject({ method: 'GET', url: url(), headers: { 'accept-encoding': 'gzip', 'if-none-match': String(gz.headers.etag) } });
    expect(again.statusCode).toBe(304);
    const head = await inject({ method: 'HEAD', url: url(), headers: { 'accept-encoding': 'gzip' } });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(head.body).toBe('');
    const copy = await inject({ method: 'GET', url: `${url()}.gz`, headers: { 'accept-encoding': 'gzip' } });
    expect(copy.statusCode).toBe(404);
    expect(copy.json()).toEqual({ error: 'not found' });
  });

  it('sends the downloads as they are, as attachments', async () => {
    const csv = await inject({ method: 'GET', url: `/data/runs/${RUN_B}/penalties/2026-03.csv`, headers: { 'accept-encoding': 'gzip' } });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-encoding']).toBeUndefined();
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="penalties_2026-03\.csv"/);
    expect(csv.body).toBe(PENALTIES_CSV);
  });
});

describe('pages', () => {
  it('serves index.html at / and the other built files', async () => {
    const index = await inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.body).toContain('<title>Dashboard</title>');

    expect((await inject({ method: 'GET', url: '/index.html' })).statusCode).toBe(200);
    const js = await inject({ method: 'GET', url: '/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('application/javascript; charset=utf-8');
    const css = await inject({ method: 'GET', url: '/app.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(js.headers['cache-control']).toBe('no-cache');
    const chunk = await inject({ method: 'GET', url: '/chunks/chunk-337ECO7D.js' });
    expect(chunk.statusCode).toBe(200);
    expect(chunk.headers['cache-control']).toBe(HASHED_CHUNK);
    const page = await inject({ method: 'GET', url: '/technicians' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>Technicians</title>');
  });
});

describe('not found', () => {
  const urls = [
    '/nope',
    '/nope.html',
    '/api/nope',
    '/data',
    '/data/',
    '/data/runs/',
    '/data/nope.json',
    `/data/runs/${RUN_A}/missing.json`,
    '/data/notes.txt', // not a published kind of file
    '/data/.manifest-20260501T000000-000.json', // the manifest before its switch
    '/data/runs/.incomplete-20260501T000000-000/network.json', // a run still being written
    '/data/linked.json', // a link to a file outside the folder
    '/linked.html',
    '/app.js.map', // source maps
    '/chunks/chunk-337ECO7D.js.map',
  ];

  it.each(urls)('%s is a JSON 404', async (url) => {
    const res = await inject({ method: 'GET', url });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({ error: 'not found' });
    expect(res.body).not.toContain(SECRET);
  });

  it('is a JSON 404 for other methods', async () => {
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const res = await inject({ method, url: '/api/manifest' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: 'not found' });
    }
  });
});

/** A status page of the dashboard (not found, forbidden): its title in both languages, the header, a link to the overview, no inline script or style. */
function expectStatusPage(page: string, zh: string, en: string): void {
  expect(page).toContain(zh);
  expect(page).toContain(en);
  expect(page).toMatch(/<header class="site-header/);
  expect(page).toMatch(/<a [^>]*href="\/"[^>]*>返回总览/);
  // the strict CSP allows no inline script or style: none at all, and only the site's own files
  expect(page).not.toMatch(/<script|\son[a-z]+=|style=|<style/i);
  for (const [, url] of page.matchAll(/(?:href|src)="([^"]*)"/g)) expect(url, 'from the root, at any depth').toMatch(/^\//);
}

describe('the not-found page', () => {
  const page = readFileSync(NOT_FOUND_PAGE, 'utf8');
  const asBrowser = (url: string, cookie: string | null = hrCookie, method: 'GET' | 'HEAD' = 'GET') =>
    app.inject({ method, url, headers: { accept: BROWSER_ACCEPT, ...(cookie ? { cookie } : {}) } });

  it('is a page of its own: both languages, the header, a link to the overview, no inline script or style', () => {
    expectStatusPage(page, '页面不存在', 'Page not found');
  });

  it('answers a browser asking for an unknown page, the same page for any path, signed in or not', async () => {
    for (const url of ['/nope', '/nope.html', '/a/b/c.html', '/technicians/', '/404.html', '/quality2.html?month=2026-03', '/linked.html', '/auth/nope']) {
      for (const cookie of [hrCookie, null]) {
        const res = await asBrowser(url, cookie);
        expect([url, res.statusCode, res.headers['content-type']]).toEqual([url, 404, 'text/html; charset=utf-8']);
        expect(res.body).toBe(page);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(securityHeadersOf(res.headers)).toEqual(SECURITY_HEADERS);
      }
    }
  });

  it('answers HEAD with the status and no body', async () => {
    const res = await asBrowser('/nope', hrCookie, 'HEAD');
    expect([res.statusCode, res.headers['content-type'], res.body]).toEqual([404, 'text/html; charset=utf-8', '']);
  });

  it('leaves data, API, other methods and non-browser requests to the JSON error', async () => {
    for (const url of ['/data/nope.json', `/data/runs/${RUN_A}/missing.json`, '/data', '/api/nope']) {
      const res = await asBrowser(url);
      expect([url, res.statusCode, res.headers['content-type']]).toEqual([url, 404, 'application/json; charset=utf-8']);
      expect(res.json()).toEqual({ error: 'not found' });
    }
    const post = await app.inject({ method: 'POST', url: '/nope', headers: { accept: BROWSER_ACCEPT, cookie: hrCookie } });
    expect([post.statusCode, post.json()]).toEqual([404, { error: 'not found' }]);
    const script = await app.inject({ method: 'GET', url: '/nope', headers: { accept: '*/*', cookie: hrCookie } });
    expect(script.json()).toEqual({ error: 'not found' });
  });

  it('leaves listed pages as they are: served, or the sign-in for nobody signed in', async () => {
    expect((await asBrowser('/technicians.html')).statusCode).toBe(200);
    const anonymous = await asBrowser('/technicians.html', null);
    expect([anonymous.statusCode, anonymous.headers.location]).toEqual([303, '/sign-in.html?next=%2Ftechnicians.html']);
  });

  it('falls back to the JSON error when the build has no not-found page', async () => {
    const bare = join(root, 'dist-without-404');
    write(join(bare, 'index.html'), '<!doctype html><title>Dashboard</title>');
    const other = await buildServer({ dataDir, distDir: bare, usersFile, sessionKey: TEST_SESSION_KEY });
    try {
      const res = await other.inject({ method: 'GET', url: '/nope', headers: { accept: BROWSER_ACCEPT } });
      expect([res.statusCode, res.json()]).toEqual([404, { error: 'not found' }]);
    } finally {
      await other.close();
    }
  });
});

describe('the forbidden page', () => {
  const page = readFileSync(FORBIDDEN_PAGE, 'utf8');
  const asBrowser = (url: string, cookie: string, method: 'GET' | 'HEAD' = 'GET') =>
    app.inject({ method, url, headers: { accept: BROWSER_ACCEPT, cookie } });

  it('is a page of its own: both languages, the header, a link to the overview, no inline script or style', () => {
    expectStatusPage(page, '无权查看此页面', 'This page is not open to your account');
  });

  it("answers a browser asking for a page the account's role may not open, with the 403", async () => {
    for (const url of ['/settlement.html', '/settlement', '/settlement.html?month=2026-03']) {
      const res = await asBrowser(url, managerCookie);
      expect([url, res.statusCode, res.headers['content-type'], res.headers['cache-control']]).toEqual([url, 403, 'text/html; charset=utf-8', 'no-store']);
      expect(res.body).toBe(page);
      expect(securityHeadersOf(res.headers)).toEqual(SECURITY_HEADERS);
    }
    const head = await asBrowser('/settlement.html', managerCookie, 'HEAD');
    expect([head.statusCode, head.body]).toEqual([403, '']);
    // the account that may open it gets the page
    expect((await asBrowser('/settlement.html', hrCookie)).statusCode).toBe(200);
  });

  it('leaves data files and non-browser requests to the JSON error, and is no page of its own address', async () => {
    const script = await app.inject({ method: 'GET', url: '/settlement.html', headers: { accept: '*/*', cookie: managerCookie } });
    expect([script.statusCode, script.json()]).toEqual([403, { error: 'forbidden' }]);
    const data = await asBrowser(`/data/runs/${RUN_A}/settlement/2026-03.json`, managerCookie);
    expect([data.statusCode, data.json()]).toEqual([403, { error: 'forbidden' }]);
    const own = await asBrowser('/403.html', hrCookie);
    expect([own.statusCode, own.body]).toEqual([404, readFileSync(NOT_FOUND_PAGE, 'utf8')]);
  });
});

describe('path traversal', () => {
  const probes = [
    '/../secret.txt',
    '/../../secret.txt',
    '/data/../secret.txt',
    '/data/../../secret.txt',
    '/data/../package.json',
    '/data/runs/../../secret.json',
    `/data/runs/${RUN_A}/../../../secret.json`,
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/data/%2e%2e/secret.json',
    '/data/%2e%2e%2fsecret.json',
    '/..%2fsecret.txt',
    '/data/..%2fsecret.json',
    '/data/..%2Fsecret.json',
    '/data/%2e%2e%2f%2e%2e%2fsecret.json',
    '/data/..%252fsecret.json',
    '/data/%252e%252e/secret.json',
    '/data/%252e%252e%252fsecret.json',
    '/..\\secret.txt',
    '/data/..\\secret.json',
    '/data/..%5csecret.json',
    '/data/%5c..%5csecret.json',
    '/data/%5C..%5Csecret.json',
    '/data/secret.json%00.json',
    '/data/%00/../secret.json',
    '/secret.txt%00',
    '/%00',
    '/./data/../secret.txt',
    '//secret.txt',
    '/data//../secret.json',
    '/data/./../secret.json',
    '/data/%2e/%2e%2e/secret.json',
  ];

  it.each(probes)('%s is refused without leaking (inject)', async (url) => {
    const res = await inject({ method: 'GET', url });
    expect([403, 404]).toContain(res.statusCode);
    expect(res.body).not.toContain(SECRET);
  });

  it.each(probes)('%s is refused without leaking (raw path)', async (url) => {
    const res = await rawGet(app.server, url);
    expect([403, 404]).toContain(res.status);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).not.toContain(SECRET);
    expect(JSON.parse(res.body)).toHaveProperty('error');
  });

  it('still serves ordinary paths through the raw handler', async () => {
    const res = await rawGet(app.server, `/data/runs/${RUN_A}/network.json`);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe(PRIVATE);
  });

  it('tells safe paths from unsafe ones', () => {
    expect(isSafePath(`/data/runs/${RUN_A}/technician_history/${encodeURIComponent(encodeURIComponent('A/B'))}.json`)).toBe(true);
    expect(isSafePath('/data/runs/x/network.json?v=../x')).toBe(true);
    expect(isSafePath('/')).toBe(true);
    for (const bad of ['', 'data/x', '//x', '/a/../b', '/a/%2e%2e/b', '/a%2fb', '/a%5cb', '/a\\b', '/a%00b', '/%zz', '/a/%252e%252e/b']) {
      expect(isSafePath(bad), bad).toBe(false);
    }
  });
});

/** The security headers every response carries, errors included, whoever writes them. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self';object-src 'none';base-uri 'self';frame-ancestors 'none'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

function securityHeadersOf(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(SECURITY_HEADERS).map((name) => [name, headers[name]]));
}

/** What an error must look like: the JSON contract, never stored, the security headers. */
function expectErrorContract(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, error: string): void {
  expect(res.statusCode).toBe(status);
  expect(JSON.parse(res.body)).toEqual({ error });
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(securityHeadersOf(res.headers)).toEqual(SECURITY_HEADERS);
}

describe('caching', () => {
  const run = () => `/data/runs/${RUN_B}`;

  it('sends every published file family as private, revalidated on every use', async () => {
    const families: [string, Record<string, string>][] = [
      [`${run()}/network.json`, {}],
      [`${run()}/technicians/2026-03.json`, { 'accept-encoding': 'gzip' }], // its .gz copy
      [`${run()}/technicians/2026-03.json`, {}],
      [`${run()}/by_outlet/${encodeURIComponent(encodeURIComponent('张三'))}/technicians.json`, {}],
      [`${run()}/penalties/2026-03.csv`, {}],
      [`${run()}/penalties/2026-03.xlsx`, {}],
      [`${run()}/tables/penalty_lines.parquet`, {}],
      ['/data/manifest.json', {}],
      ['/api/manifest', {}],
    ];
    const seen = [];
    for (const [url, headers] of families) {
      const res = await inject({ method: 'GET', url, headers });
      seen.push([url, headers['accept-encoding'] ?? null, res.statusCode, res.headers['content-encoding'] ?? null, res.headers['cache-control']]);
    }
    const history = `${run()}/by_outlet/${encodeURIComponent(encodeURIComponent('张三'))}/technicians.json`;
    expect(seen).toEqual([
      [`${run()}/network.json`, null, 200, null, 'private, no-cache'],
      [`${run()}/technicians/2026-03.json`, 'gzip', 200, 'gzip', 'private, no-cache'],
      [`${run()}/technicians/2026-03.json`, null, 200, null, 'private, no-cache'],
      [history, null, 200, null, 'private, no-cache'],
      [`${run()}/penalties/2026-03.csv`, null, 200, null, 'private, no-cache'],
      [`${run()}/penalties/2026-03.xlsx`, null, 200, null, 'private, no-cache'],
      [`${run()}/tables/penalty_lines.parquet`, null, 200, null, 'private, no-cache'],
      ['/data/manifest.json', null, 200, null, 'private, no-cache'],
      ['/api/manifest', null, 200, null, 'private, no-cache'],
    ]);
  });

  it('keeps only the content-hashed chunks public and immutable; the pages revalidate', async () => {
    const seen = [];
    for (const url of ['/chunks/chunk-337ECO7D.js', '/', '/technicians', '/app.js', '/app.css']) {
      const res = await inject({ method: 'GET', url });
      seen.push([url, res.statusCode, res.headers['cache-control']]);
    }
    expect(seen).toEqual([
      ['/chunks/chunk-337ECO7D.js', 200, 'public, max-age=31536000, immutable'],
      ['/', 200, 'no-cache'],
      ['/technicians', 200, 'no-cache'],
      ['/app.js', 200, 'no-cache'],
      ['/app.css', 200, 'no-cache'],
    ]);
  });

  it('answers 304 to a revalidation by tag or by date, with the same private header', async () => {
    for (const [url, encoding] of [
      [`${run()}/network.json`, undefined],
      [`${run()}/technicians/2026-03.json`, 'gzip'],
      [`${run()}/tables/penalty_lines.parquet`, undefined],
      ['/data/manifest.json', undefined],
    ] as const) {
      const base = encoding ? { 'accept-encoding': encoding } : {};
      const first = await inject({ method: 'GET', url, headers: base });
      expect(first.statusCode, url).toBe(200);
      const etag = String(first.headers.etag);
      const lastModified = String(first.headers['last-modified']);
      expect(etag, url).toMatch(/^(W\/)?"[^"]+"$/);
      expect(new Date(lastModified).getTime(), url).toBeGreaterThan(0);
      for (const condition of [{ 'if-none-match': etag }, { 'if-modified-since': lastModified }]) {
        const again = await inject({ method: 'GET', url, headers: { ...base, ...condition } });
        expect([url, again.statusCode, again.headers['cache-control'], again.body]).toEqual([url, 304, 'private, no-cache', '']);
      }
      // another tag: the file is sent again
      const changed = await inject({ method: 'GET', url, headers: { ...base, 'if-none-match': '"another"' } });
      expect(changed.statusCode, url).toBe(200);
    }
  });

  it('renders a download again on every revalidation: it is no file, with no tag and no date', async () => {
    for (const url of [`${run()}/penalties/2026-03.csv`, `${run()}/penalties/2026-03.xlsx`, `${run()}/by_outlet/W1/settlement/2026-03.en.csv`]) {
      const first = await inject({ method: 'GET', url });
      expect([url, first.statusCode, first.headers.etag, first.headers['last-modified']]).toEqual([url, 200, undefined, undefined]);
      expect(first.rawPayload.length, url).toBeGreaterThan(100);
      for (const condition of [{ 'if-none-match': '*' }, { 'if-none-match': '"a-tag"' }, { 'if-modified-since': new Date(Date.now() + 3_600_000).toUTCString() }]) {
        const again = await inject({ method: 'GET', url, headers: condition });
        expect([url, again.statusCode, again.headers['cache-control']]).toEqual([url, 200, 'private, no-cache']);
        // the same rows render the same bytes
        expect(again.rawPayload.equals(first.rawPayload), url).toBe(true);
      }
    }
  });

  it('never stores an error', async () => {
    for (const url of ['/nope', `${run()}/missing.json`, `${run()}/penalties/2026-02.csv`, '/app.js.map', '/data/%E0%A4%A']) {
      const res = await inject({ method: 'GET', url });
      expect([url, res.headers['cache-control']]).toEqual([url, 'no-store']);
    }
  });
});

describe("errors Fastify would answer itself", () => {
  const MARKER = 'ECHO-MARKER-7d1e';

  it.each([
    `/data/${MARKER}/%E0%A4%A`, // cut in the middle of a UTF-8 sequence
    `/data/runs/${RUN_B}/%zz${MARKER}.json`,
    `/%${MARKER}`,
    `/api/%C0%AF${MARKER}`,
  ])('%s (a path that does not decode) is the JSON 400 with the security headers, without the path', async (url) => {
    const res = await inject({ method: 'GET', url });
    expectErrorContract(res, 400, 'bad request');
    expect(res.body).not.toContain(MARKER);
    expect(JSON.stringify(res.headers)).not.toContain(MARKER);
  });

  it('answers HEAD of such a path the same way, without a body', async () => {
    const res = await inject({ method: 'HEAD', url: '/data/%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(securityHeadersOf(res.headers)).toEqual(SECURITY_HEADERS);
    expect(res.body).toBe('');
  });

  describe('over a socket', () => {
    let listening: FastifyInstance;
    let port: number;

    beforeAll(async () => {
      listening = await serverOf();
      await listening.listen({ host: '127.0.0.1', port: 0 });
      port = (listening.server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      await listening?.close();
    });

    /** Writes the bytes as they are and reads everything the server sends until it closes. */
    function exchange(bytes: string): Promise<RawResponse> {
      return new Promise((resolve, reject) => {
        const received: Buffer[] = [];
        const socket = connect(port, '127.0.0.1');
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`no answer to ${JSON.stringify(bytes.slice(0, 40))}`));
        }, 5000);
        socket.on('data', (chunk: Buffer) => received.push(chunk));
        // the server may close while a large request is still being written
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          const text = Buffer.concat(received).toString('utf8');
          const split = text.indexOf('\r\n\r\n');
          const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
          const headers: Record<string, string> = {};
          for (const line of lines) {
            const colon = line.indexOf(':');
            headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
          }
          resolve({ status: Number(statusLine?.split(' ')[1]), headers: { status: statusLine ?? '', ...headers }, body: text.slice(split + 4) });
        });
        socket.write(bytes);
      });
    }

    const parserErrors: [string, string, number, string][] = [
      ['a malformed request line', `GET /<script>${MARKER}</script> HTTP/9.x\r\nHost: x\r\n\r\n`, 400, 'bad request'],
      ['a method of control characters', `G\u0001T /${MARKER} HTTP/1.1\r\nHost: x\r\n\r\n`, 400, 'bad request'],
      ['a header line without a colon', `GET / HTTP/1.1\r\nHost: x\r\n${MARKER}\r\n\r\n`, 400, 'bad request'],
      ['both Content-Length and Transfer-Encoding', `GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`, 400, 'bad request'],
      ['headers over the size limit', `GET / HTTP/1.1\r\nHost: x\r\nX-${MARKER}: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'request header fields too large'],
    ];

    it.each(parserErrors)('%s is answered with the fixed JSON error and the connection closed', async (_case, bytes, status, error) => {
      const res = await exchange(bytes);
      const body = JSON.stringify({ error });
      expect(res.headers).toEqual({
        status: `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Request Header Fields Too Large'}`,
        ...SECURITY_HEADERS,
        'cache-control': 'no-store',
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(body.length),
        connection: 'close',
      });
      expect(res.body).toBe(body);
      expect(res.body + JSON.stringify(res.headers)).not.toContain(MARKER);
    });

    it('answers request targets the router cannot take, sent as they are, in the error contract', async () => {
      const targets: [string, number, string, string][] = [
        [`/data/${MARKER}/%E0%A4%A`, 400, 'Bad Request', 'bad request'],
        [`http://x/data/${MARKER}/%E0%A4%A`, 400, 'Bad Request', 'bad request'],
        ['*', 404, 'Not Found', 'not found'],
      ];
      for (const [target, status, reason, error] of targets) {
        const res = await exchange(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(res.headers.status, target).toBe(`HTTP/1.1 ${status} ${reason}`);
        expectErrorContract({ statusCode: res.status, headers: res.headers, body: res.body }, status, error);
        expect(res.body + JSON.stringify(res.headers)).not.toContain(MARKER);
      }
    });

    it('still answers ordinary requests', async () => {
      const res = await exchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(res.headers.status).toBe('HTTP/1.1 200 OK');
      expect(res.body).toBe('{"status":"ok"}');
      expect(securityHeadersOf(res.headers)).toEqual(SECURITY_HEADERS);
    });
  });

  it('answers a request arriving while the server closes with the JSON 503', async () => {
    const closing = await serverOf();
    await closing.close();
    // the server no longer accepts connections: hand the request to its handler as a late one
    const res = await rawGet(closing.server, '/healthz');
    expectErrorContract({ statusCode: res.status, headers: res.headers, body: res.body }, 503, 'service unavailable');
    expect(res.headers.connection).toBe('close');
  });
});

describe('acceptsGzip', () => {
  it('takes gzip by name or *, unless its q is 0', () => {
    const cases: [string | undefined, boolean][] = [
      [undefined, false], ['', false], ['gzip', true], ['GZIP', true], ['br, gzip;q=0.5', true], ['*', true],
      ['gzip;q=0', false], ['gzip; q=0.0', false], ['*;q=0', false], ['br, deflate', false], ['identity', false], ['x-gzip', false],
    ];
    expect(cases.map(([header]) => [header, acceptsGzip(header)])).toEqual(cases);
  });
});
