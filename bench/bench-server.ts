// The dashboard server under load on loopback, side by side with bare @fastify/static serving the
// same folder: requests per second and p99 latency for the manifest and a page's data file.
//
// Owns the server measurement. Imports the dashboard server and the product pipeline (to publish
// the sample first); imported by bench.ts only.
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import fastifyStatic from '@fastify/static';
import { buildServer } from '../dashboard/server.ts';
import { writeUsers } from '../dashboard/users/accounts.ts';
import { hashPassword } from '../dashboard/users/passwords.ts';
import { defaultConfig } from '../pipeline/common/config.ts';
import { runPipeline } from '../pipeline/run.ts';

/** by its own location, so that the benchmark runs from any working directory */
const SAMPLE = fileURLToPath(new URL('../data/sample', import.meta.url));

const BENCH_ACCOUNT = { name: 'bench-hr', password: 'bench-password-1' };

async function hammer(url: string, cookie?: string): Promise<{ rps: number; p99: number }> {
  // bounded: a fixed duration on loopback only
  const result = await autocannon({ url, connections: 10, duration: 5, headers: cookie ? { cookie } : {} });
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} answers were not 2xx`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

/** An HR account in a users file of the benchmark's own: every file is served only to a signed-in reader. */
async function benchUsers(work: string): Promise<string> {
  const file = join(work, 'bench-users.json');
  const now = new Date().toISOString();
  writeUsers(file, {
    format: 1,
    users: [{ name: BENCH_ACCOUNT.name, role: 'hr', outlet_id: null, disabled: false, password: await hashPassword(BENCH_ACCOUNT.password), session_version: 1, created_at: now, updated_at: now }],
  });
  return file;
}

/** The session cookie (name=value) of the benchmark's account, through the real sign-in route. */
async function signIn(appUrl: string): Promise<string> {
  const res = await fetch(`${appUrl}/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BENCH_ACCOUNT) });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('sq_session='));
  if (res.status !== 204 || !cookie) throw new Error(`benchmark sign-in: HTTP ${res.status}`);
  return cookie.split(';')[0]!;
}

export async function serverBench(work: string, log: (line: string) => void): Promise<string[]> {
  const dataDir = join(work, 'server-data');
  const distDir = join(work, 'server-dist');
  mkdirSync(distDir, { recursive: true });
  writeFileSync(join(distDir, 'index.html'), '<!doctype html><title>bench</title>');
  await runPipeline({ input: SAMPLE, db: join(work, 'server.duckdb'), out: dataDir, config: defaultConfig() });
  const manifest = JSON.parse(readFileSync(join(dataDir, 'manifest.json'), 'utf8')) as { folder: string; latest_month: string };
  const dataFile = `${manifest.folder}/technicians/${manifest.latest_month}.json`;

  const app = await buildServer({ dataDir, distDir, logger: false, usersFile: await benchUsers(work), sessionKey: Buffer.alloc(32, 7) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const appUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const bare = Fastify({ logger: false });
  await bare.register(fastifyStatic, { root: dataDir });
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;

  const rows: string[] = [];
  const cookie = await signIn(appUrl);
  try {
    for (const [label, ours, theirs] of [
      ['manifest', `${appUrl}/api/manifest`, `${bareUrl}/manifest.json`],
      ['technicians data file', `${appUrl}/data/${dataFile}`, `${bareUrl}/${dataFile}`],
    ] as const) {
      const a = await hammer(ours, cookie);
      const b = await hammer(theirs);
      log(`  ${label}: dashboard ${a.rps.toFixed(0)} req/s p99 ${a.p99} ms; bare static ${b.rps.toFixed(0)} req/s p99 ${b.p99} ms`);
      rows.push(`| ${label} | ${a.rps.toFixed(0)} | ${a.p99} | ${b.rps.toFixed(0)} | ${b.p99} |`);
    }
  } finally {
    await app.close();
    await bare.close();
  }
  return [
    '| server (10 connections, 5 s) | dashboard req/s | p99 ms | bare @fastify/static req/s | p99 ms |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
  ];
}
