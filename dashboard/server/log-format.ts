// The server's log as a person reads it at a terminal, or as JSON lines for a log collector
// (LOG_FORMAT=json). Readable is a pino destination that turns each JSON record into one line:
//
//   07:12:03  GET /outlets.html  200  4 ms  demo-hr
//   07:12:09  access failed  POST /auth/sign-in  401  (no account)
//   07:12:15  access refused  GET /data/runs/…/quality.json  403  outlet-a (outlet)
//   07:13:40  error: request failed: ENOSPC: no space left on device
//
// A small destination rather than pino-pretty: the lines are our own fields in a fixed order, with
// no dependency (and no worker thread) to run at every start. What a record holds is decided where
// it is logged (request-log.ts, access.ts): a method, a path without its query, a status, an
// account's name and role; never a password, a cookie or a query string.

export type LogFormat = 'readable' | 'json';

export const LOG_FORMATS: readonly LogFormat[] = ['readable', 'json'];

/** What request-log.ts records for each request. */
export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  ms: number;
  user: string | null;
}

/** What access.ts records for a sign-in, a failure, a sign-out or a refusal. */
export interface AccessRecord {
  user: string | null;
  role: string | null;
  method: string;
  path: string;
  result: string;
  status: number;
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** pino's own fields and those already shown by the line: left out of the trailing key=value part. */
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'reqId', 'msg', 'err', 'request', 'access']);

/** Fastify's address line; the start commands print the address themselves (`Dashboard: …`). */
const LISTENING = /^Server listening at /;

function clock(time: unknown): string {
  const date = typeof time === 'number' ? new Date(time) : new Date();
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function who(user: unknown, role?: unknown): string {
  if (typeof user !== 'string' || user === '') return '-';
  return typeof role === 'string' && role !== '' ? `${user} (${role})` : user;
}

function requestLine(r: RequestRecord): string {
  return [`${r.method} ${r.path}`, String(r.status), `${Math.round(r.ms)} ms`, who(r.user)].join('  ');
}

function accessLine(a: AccessRecord): string {
  return [`access ${a.result}`, `${a.method} ${a.path}`, String(a.status), a.user === null ? '(no account)' : who(a.user, a.role)].join('  ');
}

function errorText(err: unknown, withStack: boolean): string {
  if (err === null || typeof err !== 'object') return '';
  const { message, stack } = err as { message?: unknown; stack?: unknown };
  if (withStack && typeof stack === 'string') return `\n${stack}`;
  return typeof message === 'string' && message !== '' ? `: ${message}` : '';
}

/** The fields of a record the line has not shown yet, as ` key=value` (strings and numbers only). */
function extras(record: Record<string, unknown>): string {
  return Object.entries(record)
    .filter(([key, value]) => !SHOWN.has(key) && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'))
    .map(([key, value]) => ` ${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : String(value)}`)
    .join('');
}

/** One pino record as one readable line (with its stack under an error), or null for none. */
export function formatRecord(record: Record<string, unknown>): string | null {
  const time = clock(record.time);
  if (record.request && typeof record.request === 'object') return `${time}  ${requestLine(record.request as RequestRecord)}`;
  if (record.access && typeof record.access === 'object') return `${time}  ${accessLine(record.access as AccessRecord)}`;
  const msg = typeof record.msg === 'string' ? record.msg : '';
  if (LISTENING.test(msg)) return null;
  const level = typeof record.level === 'number' ? record.level : 30;
  const label = level >= 40 ? `${LEVELS[level] ?? 'error'}: ` : '';
  return `${time}  ${label}${msg}${extras(record)}${errorText(record.err, level >= 50)}`;
}

/** A pino destination writing readable lines to `out`; a line that is not JSON passes as it is. */
export function readableDestination(out: { write(text: string): unknown } = process.stdout): { write(line: string): void } {
  return {
    write(line: string) {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        out.write(line.endsWith('\n') ? line : `${line}\n`);
        return;
      }
      const text = record !== null && typeof record === 'object' ? formatRecord(record as Record<string, unknown>) : String(record);
      if (text !== null) out.write(`${text}\n`);
    },
  };
}

/**
 * Fastify's logger option for a level and a format: JSON lines as pino writes them, or readable;
 * to standard output unless `out` is given.
 */
export function loggerOptions(level: string, format: LogFormat, out?: { write(text: string): unknown }): object {
  if (format === 'json') return out ? { level, stream: out } : { level };
  return { level, stream: readableDestination(out) };
}
