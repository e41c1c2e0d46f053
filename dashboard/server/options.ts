// Configuration of the dashboard server, validated before anything starts: the two folders it
// serves, where it listens, the users file, the session key and the sign-in limits. A bad value
// is a ConfigError with one line saying what is wrong.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { usersFileFromEnv } from '../users/accounts.ts';
import { ConfigError } from './config-error.ts';
import { LOG_FORMATS, type LogFormat } from './log-format.ts';
import { parseKey, sessionKeyFromEnv } from './session-key.ts';

export { ConfigError } from './config-error.ts';

export interface ServerOptions {
  /** the folder the pipeline publishes into: manifest.json and runs/<run_id>/… */
  dataDir: string;
  /** the built pages: index.html and its assets */
  distDir: string;
  /** Fastify's logger option: false (the default) for none, true or pino options to log */
  logger?: boolean | object;
  /** the accounts (default: USERS_FILE, else data/users.json); read again when it changes */
  usersFile?: string;
  /** the session cookie's key, 32 bytes (default: SESSION_KEY, else the key file) */
  sessionKey?: Buffer | string;
  /** where the key is kept when none is given (default: SESSION_KEY_FILE, else data/session.key) */
  sessionKeyFile?: string;
  /** how long a sign-in lasts (default 8 hours) */
  sessionHours?: number;
  /** the cookie's Secure flag: 'auto' (the default) sets it on requests that came over HTTPS */
  cookieSecure?: boolean | 'auto';
  /** sign-in attempts allowed per account and per address in a window (default 10, 30, 1 minute) */
  signInLimits?: Partial<SignInLimits>;
}

export interface SignInLimits {
  perAccount: number;
  perAddress: number;
  windowMs: number;
}

export interface AuthOptions {
  usersFile: string;
  sessionKey: Buffer;
  sessionHours: number;
  cookieSecure: boolean | 'auto';
  signInLimits: SignInLimits;
}

export interface ResolvedOptions extends AuthOptions {
  dataDir: string;
  distDir: string;
  logger: boolean | object;
}

const DEFAULT_LIMITS: SignInLimits = { perAccount: 10, perAddress: 30, windowMs: 60_000 };

const FOLDERS = {
  dataDir: 'the folder of published results (manifest.json, runs/)',
  distDir: 'the folder of built pages (index.html)',
} as const;

function folder(options: Record<string, unknown>, key: keyof typeof FOLDERS): string {
  const value = options[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(`buildServer: option ${key} is required: ${FOLDERS[key]}`);
  }
  const path = resolve(value);
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new ConfigError(`buildServer: ${key} ${path} does not exist; it must be ${FOLDERS[key]}`);
  }
  if (!isDirectory) throw new ConfigError(`buildServer: ${key} ${path} is not a folder; it must be ${FOLDERS[key]}`);
  return path;
}

export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError('buildServer: options { dataDir, distDir } are required');
  }
  const record = options as Record<string, unknown>;
  const logger = record.logger ?? false;
  if (typeof logger !== 'boolean' && (logger === null || typeof logger !== 'object')) {
    throw new ConfigError('buildServer: option logger must be true, false or logger options');
  }
  return { dataDir: folder(record, 'dataDir'), distDir: folder(record, 'distDir'), logger, ...authOptions(record) };
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ConfigError(`buildServer: option ${name} must be a positive number`);
  return value;
}

/** The sign-in settings, each from its option or else from the environment. */
function authOptions(record: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): AuthOptions {
  const usersFile = record.usersFile ?? usersFileFromEnv(env);
  if (typeof usersFile !== 'string' || usersFile.trim() === '') throw new ConfigError('buildServer: option usersFile must be a file path');
  const keyFile = record.sessionKeyFile;
  if (keyFile !== undefined && (typeof keyFile !== 'string' || keyFile === '')) throw new ConfigError('buildServer: option sessionKeyFile must be a file path');
  const key = record.sessionKey;
  let sessionKey: Buffer;
  if (Buffer.isBuffer(key)) {
    if (key.length !== 32) throw new ConfigError('buildServer: option sessionKey must be 32 bytes');
    sessionKey = key;
  } else if (typeof key === 'string') sessionKey = parseKey(key, 'buildServer: option sessionKey');
  else if (key === undefined) sessionKey = sessionKeyFromEnv(env, keyFile as string | undefined);
  else throw new ConfigError('buildServer: option sessionKey must be 32 bytes');
  const cookieSecure = record.cookieSecure ?? 'auto';
  if (cookieSecure !== 'auto' && typeof cookieSecure !== 'boolean') throw new ConfigError("buildServer: option cookieSecure must be true, false or 'auto'");
  const limits = (record.signInLimits ?? {}) as Record<string, unknown>;
  return {
    usersFile: resolve(usersFile),
    sessionKey,
    sessionHours: positive(record.sessionHours, 'sessionHours', 8),
    cookieSecure,
    signInLimits: {
      perAccount: Math.floor(positive(limits.perAccount, 'signInLimits.perAccount', DEFAULT_LIMITS.perAccount)),
      perAddress: Math.floor(positive(limits.perAddress, 'signInLimits.perAddress', DEFAULT_LIMITS.perAddress)),
      windowMs: positive(limits.windowMs, 'signInLimits.windowMs', DEFAULT_LIMITS.windowMs),
    },
  };
}

export interface ListenOptions {
  host: string;
  port: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** HOST (default 127.0.0.1) and PORT (default 3000) from the environment. */
export function listenOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ListenOptions {
  const host = env.HOST === undefined || env.HOST === '' ? '127.0.0.1' : env.HOST.trim();
  if (host === '' || /[\s/]/.test(host)) throw new ConfigError(`HOST must be a host name or an IP address (got ${JSON.stringify(env.HOST)})`);
  const rawPort = env.PORT === undefined || env.PORT === '' ? '3000' : env.PORT.trim();
  if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) > 65535) {
    throw new ConfigError(`PORT must be a whole number from 0 to 65535 (got ${JSON.stringify(env.PORT)})`);
  }
  return { host, port: Number(rawPort) };
}

/** LOG_LEVEL (default info) from the environment. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const level = env.LOG_LEVEL === undefined || env.LOG_LEVEL === '' ? 'info' : env.LOG_LEVEL.trim();
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(env.LOG_LEVEL)})`);
  return level;
}

/** LOG_FORMAT (default readable: one line per request; json: pino's JSON lines) from the environment. */
export function logFormatFromEnv(env: NodeJS.ProcessEnv = process.env): LogFormat {
  const format = env.LOG_FORMAT === undefined || env.LOG_FORMAT === '' ? 'readable' : env.LOG_FORMAT.trim();
  if (!(LOG_FORMATS as readonly string[]).includes(format)) throw new ConfigError(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')} (got ${JSON.stringify(env.LOG_FORMAT)})`);
  return format as LogFormat;
}

export interface StartSettings extends ListenOptions {
  logLevel: string;
  logFormat: LogFormat;
}

/** Everything the start commands read from the environment, checked before anything starts. */
export function startSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): StartSettings {
  return { ...listenOptionsFromEnv(env), logLevel: logLevelFromEnv(env), logFormat: logFormatFromEnv(env) };
}

/** The address a browser opens: IPv6 literals in brackets. */
export function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
