// Configuration of the dashboard server, validated before anything starts: the two folders it
// serves, and where it listens. A bad value is a ConfigError with one line saying what is wrong.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

export class ConfigError extends Error {}

export interface ServerOptions {
  /** the folder the pipeline publishes into: manifest.json and runs/<run_id>/… */
  dataDir: string;
  /** the built pages: index.html and its assets */
  distDir: string;
  /** Fastify's logger option: false (the default) for none, true or pino options to log */
  logger?: boolean | object;
}

export interface ResolvedOptions {
  dataDir: string;
  distDir: string;
  logger: boolean | object;
}

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
  return { dataDir: folder(record, 'dataDir'), distDir: folder(record, 'distDir'), logger };
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

/** The address a browser opens: IPv6 literals in brackets. */
export function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
