// The dashboard server: the built pages, the published result files and the current manifest,
// each to the signed-in accounts whose role may read it (server/access-rules.ts). It serves only
// what the pipeline published; it never opens the database.
//
//   HOST=127.0.0.1 PORT=3000 DATA_DIR=dashboard/data DIST_DIR=dashboard/dist tsx dashboard/server.ts
//   USERS_FILE (default data/users.json), SESSION_KEY or SESSION_KEY_FILE (default data/session.key)
//   LOG_LEVEL (default info), LOG_FORMAT (readable, the default, or json)
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { DEFAULT_USERS_FILE } from './users/accounts.ts';
import access from './server/access.ts';
import auth from './server/auth.ts';
import errors, { clientErrorHandler, frameworkErrors } from './server/errors.ts';
import health from './server/health.ts';
import { listenOrExplain } from './server/listen.ts';
import { loggerOptions, type LogFormat } from './server/log-format.ts';
import manifest from './server/manifest.ts';
import { ConfigError, resolveOptions, startSettingsFromEnv, urlOf, type ServerOptions, type StartSettings } from './server/options.ts';
import requestLog from './server/request-log.ts';
import security from './server/security.ts';
import { dataFiles, pageFiles } from './server/static-files.ts';

export { ConfigError, type ServerOptions } from './server/options.ts';
export { ListenError } from './server/listen.ts';

export const DEFAULT_DATA_DIR = fileURLToPath(new URL('./data', import.meta.url));
export const DEFAULT_DIST_DIR = fileURLToPath(new URL('./dist', import.meta.url));

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { dataDir, distDir, logger, ...authOptions } = resolveOptions(options);
  // Fastify's own answers (a URL that does not decode, a request the parser refuses, a request
  // while closing) would bypass the error contract and the security headers, and echo the URL.
  // Its request logging would write the query string: request-log.ts writes one line instead.
  const logController = new LogController({ disableRequestLogging: true });
  const app = Fastify({ logger, logController, frameworkErrors, clientErrorHandler, return503OnClosing: false });

  await app.register(errors, { notFoundPage: join(distDir, '404.html'), forbiddenPage: join(distDir, '403.html') });
  await app.register(requestLog);
  await app.register(security);
  await app.register(access, { auth: authOptions });
  await app.register(health);
  await app.register(auth, { limits: authOptions.signInLimits });
  await app.register(manifest, { dataDir });
  await app.register(dataFiles, { dataDir });
  await app.register(pageFiles, { distDir });

  await app.ready();
  return app;
}

export interface StartOptions {
  dataDir: string;
  distDir: string;
  host: string;
  port: number;
  logLevel?: string;
  /** readable lines (the default) or pino's JSON lines */
  logFormat?: LogFormat;
  /** the command the operator ran, for the message when the port is in use */
  command?: string;
  /** the accounts (default: USERS_FILE, else data/users.json) */
  usersFile?: string;
  /** the session key (default: SESSION_KEY, else the key file) */
  sessionKey?: Buffer | string;
}

/** What the operator reads when no account can sign in yet. */
export function noAccountHint(usersFile: string): string {
  return `No account yet: nobody can sign in. Add one with\n  npm run users -- add NAME --role hr|manager|outlet [--outlet ID]${usersFile === DEFAULT_USERS_FILE ? '' : ` --users ${usersFile}`}\n`;
}

/**
 * Builds the server, listens, and closes it cleanly on SIGTERM or SIGINT (exit 0).
 * Returns the address a browser opens. A port in use (or another address it cannot take) is a
 * ListenError with one line to print.
 */
export async function startServer(options: StartOptions): Promise<{ app: FastifyInstance; url: string; accounts: number }> {
  const logger = loggerOptions(options.logLevel ?? 'info', options.logFormat ?? 'readable');
  const { dataDir, distDir, usersFile, sessionKey } = options;
  const app = await buildServer({ dataDir, distDir, logger, ...(usersFile ? { usersFile } : {}), ...(sessionKey ? { sessionKey } : {}) });
  await listenOrExplain(app, options.host, options.port, options.command ?? 'npm start');
  const address = app.server.address();
  const port = address !== null && typeof address === 'object' ? address.port : options.port;

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    // a request that never ends must not keep the process alive for ever
    setTimeout(() => {
      app.log.error('requests still open after 10 s; exiting');
      process.exit(1);
    }, 10_000).unref();
    app.close().then(
      () => process.exit(0),
      (e: unknown) => {
        app.log.error({ err: e }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  return { app, url: urlOf(options.host, port), accounts: await app.accounts.count() };
}

async function main(): Promise<void> {
  let settings: StartSettings;
  try {
    settings = startSettingsFromEnv();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const dataDir = process.env.DATA_DIR || DEFAULT_DATA_DIR;
  const distDir = process.env.DIST_DIR || DEFAULT_DIST_DIR;
  const { url, app, accounts } = await startServer({ dataDir, distDir, ...settings, command: 'npx tsx dashboard/server.ts' });
  if (accounts === 0) process.stdout.write(noAccountHint(app.accounts.file));
  process.stdout.write(`Dashboard: ${url}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`error: ${e instanceof ConfigError ? e.message : ((e as Error).message ?? String(e))}\n`);
    process.exit(e instanceof ConfigError ? 2 : 1);
  });
}
