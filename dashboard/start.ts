// npm start: the dashboard on the sample data, ready to open. Publishes the sample when nothing is
// published yet (sample-setup.ts: the pipeline, its first months closed, then the late export and
// the appeals), builds the pages when they are not built, then serves.
// On the bundled sample it makes one demo account per role and prints them (users/demo.ts); on
// anything else published there is no account until one is added (npm run users), and it says so.
// HOST (default 127.0.0.1), PORT (default 3000), LOG_LEVEL (default info) and LOG_FORMAT (readable,
// the default, or json) come from the environment; a bad value stops with one line and exit code 2.
// A port in use stops with one line saying to set PORT, exit code 1.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { noAccountHint, startServer } from './server.ts';
import { checkListen } from './server/listen.ts';
import { ConfigError, startSettingsFromEnv, type StartSettings } from './server/options.ts';
import { usersFileFromEnv } from './users/accounts.ts';
import { type DemoAccount, demoRunOf, demoTable, DEMO_USERS_FILE, makeDemoAccounts, removeDemoAccounts } from './users/demo.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SAMPLE_DIR = join(ROOT, 'data', 'sample');
const DB_FILE = join(ROOT, 'data', 'warehouse.duckdb');
const DATA_DIR = join(ROOT, 'dashboard', 'data');
const DIST_DIR = join(ROOT, 'dashboard', 'dist');
const PAGES_DIR = join(ROOT, 'dashboard', 'pages');

function fail(message: string, code: number): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

/** The sample with its first months closed, the late export and the appeals loaded (sample-setup.ts). */
async function publishSample(): Promise<void> {
  process.stdout.write('No published results yet: running the pipeline on data/sample, closing its first months, loading data/sample/late\n');
  // loaded only when needed: serving never touches the database
  const { setUpSample } = await import('./sample-setup.ts');
  const { defaultConfig } = await import('../pipeline/common/config.ts');
  await setUpSample({
    input: SAMPLE_DIR,
    late: join(SAMPLE_DIR, 'late'),
    db: DB_FILE,
    out: DATA_DIR,
    config: defaultConfig(),
    log: (line) => process.stdout.write(`  ${line}\n`),
  });
}

async function buildPages(): Promise<void> {
  process.stdout.write('The pages are not built yet: building them\n');
  const { build } = await import('./build.ts');
  await build(DIST_DIR);
}

/**
 * The users file to serve with: the demo accounts while the published run is the sample this
 * command published (USERS_FILE set by the operator always wins), else the real users file.
 */
async function accountsFor(sampleJustPublished: boolean): Promise<{ usersFile: string; demo: DemoAccount[] }> {
  const runId = (JSON.parse(readFileSync(join(DATA_DIR, 'manifest.json'), 'utf8')) as { run_id?: unknown }).run_id;
  const onSample = sampleJustPublished || (typeof runId === 'string' && demoRunOf() === runId);
  if (process.env.USERS_FILE || !onSample) {
    // real data published over the sample: its demo accounts must not open it
    removeDemoAccounts();
    return { usersFile: usersFileFromEnv(), demo: [] };
  }
  return { usersFile: DEMO_USERS_FILE, demo: await makeDemoAccounts(DATA_DIR) };
}

async function main(): Promise<void> {
  let settings: StartSettings;
  try {
    settings = startSettingsFromEnv();
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 2);
    throw e;
  }

  await checkListen(settings.host, settings.port, 'npm start');
  const publishing = !existsSync(join(DATA_DIR, 'manifest.json'));
  if (publishing) await publishSample();
  // a build from before a page was added (the not-found page, say) lacks it: build again
  const pages = readdirSync(PAGES_DIR).filter((file) => file.endsWith('.html'));
  if (!pages.every((page) => existsSync(join(DIST_DIR, page)))) await buildPages();
  const { usersFile, demo } = await accountsFor(publishing);

  const { url, accounts } = await startServer({ dataDir: DATA_DIR, distDir: DIST_DIR, ...settings, usersFile, command: 'npm start' });
  if (demo.length > 0) process.stdout.write(demoTable(demo));
  else if (accounts === 0) process.stdout.write(noAccountHint(usersFile));
  process.stdout.write(`Dashboard: ${url}\n`);
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) fail(e.message, 2);
  fail(e instanceof Error ? e.message : String(e), 1);
});
