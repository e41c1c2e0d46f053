// The built pages as the server hands them out: no source map is built or pointed at, the
// content-hashed chunks esbuild writes are the ones served as public and immutable, and every
// other built file is revalidated. (That the pages still work is the browser suite's job.)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../dashboard/build.ts';
import { buildServer } from '../dashboard/server.ts';
import { signIn, TEST_SESSION_KEY, writeUsersFile } from './sign-in.ts';

let root: string;
let distDir: string;
let app: FastifyInstance;
let files: string[];
// the pages are for signed-in accounts; everything they load is open (tests/access.test.ts)
let cookie: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'dashboard-build-'));
  distDir = join(root, 'dist');
  mkdirSync(join(root, 'data'));
  await build(distDir);
  files = readdirSync(distDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(distDir.length + 1).split('\\').join('/'))
    .sort();
  await writeUsersFile(join(root, 'users.json'), [{ name: 'hr', role: 'hr', password: 'hr-password-1' }]);
  app = await buildServer({ dataDir: join(root, 'data'), distDir, usersFile: join(root, 'users.json'), sessionKey: TEST_SESSION_KEY });
  cookie = await signIn(app, 'hr', 'hr-password-1');
}, 60_000);

afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the built pages', () => {
  it('hold no source map and point at none', () => {
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
    const pointing = files.filter((file) => /sourceMappingURL/.test(readFileSync(join(distDir, file), 'utf8')));
    expect(pointing).toEqual([]);
    // the entry scripts of the pages are there, so the check above looked at real bundles
    expect(files.filter((file) => /^[a-z]+\.js$/.test(file))).toEqual(['audit.js', 'backlog.js', 'outlets.js', 'overview.js', 'penalties.js', 'quality.js', 'settlement.js', 'technicians.js']);
  });

  it('serve the content-hashed chunks as public and immutable, everything else revalidated', async () => {
    const chunks = files.filter((file) => file.startsWith('chunks/') && file.endsWith('.js'));
    expect(chunks.length).toBeGreaterThan(0);
    const seen = new Map<string, string[]>();
    for (const file of files) {
      const res = await app.inject({ method: 'GET', url: `/${file}`, headers: { cookie } });
      const key = `${res.statusCode} ${String(res.headers['cache-control'])}`;
      seen.set(key, [...(seen.get(key) ?? []), file]);
    }
    expect(Object.fromEntries(seen)).toEqual({
      '200 public, max-age=31536000, immutable': chunks,
      '200 no-cache': files.filter((file) => !chunks.includes(file) && file !== '404.html' && file !== '403.html'),
      // the not-found page is what an unknown path gets, its own path included; the forbidden
      // page is no page of its own either
      '404 no-store': ['403.html', '404.html'],
    });
  });

  it('answer a request for the map of a built bundle with the JSON 404', async () => {
    for (const url of ['/overview.js.map', `/${files.find((file) => file.startsWith('chunks/'))}.map`]) {
      const res = await app.inject({ method: 'GET', url });
      expect([url, res.statusCode, res.json()]).toEqual([url, 404, { error: 'not found' }]);
    }
  });
});
