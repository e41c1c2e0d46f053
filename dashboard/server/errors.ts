// Every error and every unknown path answers JSON: { error: '…' }, with the security headers and
// `cache-control: no-store`. Messages are the standard status texts, so that no internal detail
// (a file path, a stack) and nothing of the request (its URL, a header) reaches a client.
// The answers Fastify would otherwise write by itself follow the same contract: a URL the router
// cannot decode (`frameworkErrors`), a request the HTTP parser refuses (`clientErrorHandler`, on
// the raw socket), a request arriving while the server closes (`return503OnClosing` is off and
// the hook below answers instead).
//
// One exception: a browser asking for a page that does not exist (GET or HEAD, accepting HTML, not
// under /data/ or /api/) gets the dashboard's not-found page (pages/404.html, built into the
// pages' folder) with the same 404, and one asking for a page its account's role may not open the
// forbidden page (pages/403.html) with the same 403. Each is one fixed file, whatever the path, the
// account or its role: it tells nothing more than the JSON answer does.
import { readFile } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SECURITY_HEADERS } from './headers.ts';
import { rootPlugin } from './root-plugin.ts';

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' } },
  additionalProperties: false,
} as const;

const ERROR_TYPE = 'application/json; charset=utf-8';
const PAGE_TYPE = 'text/html; charset=utf-8';

declare module 'fastify' {
  interface FastifyInstance {
    /** the built not-found page, or null when the server has none (JSON 404s only) */
    notFoundPage: string | null;
    /** the built forbidden page, or null when the server has none (JSON 403s only) */
    forbiddenPage: string | null;
  }
}

/** Headers describing the file a failed request was about to send: not true of the error. */
const FILE_HEADERS = ['content-disposition', 'content-encoding', 'etag', 'last-modified'];

/** The status Node itself gives these parser errors; any other is a bad request. */
const CLIENT_ERROR_STATUS: Record<string, number | undefined> = {
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  HPE_HEADER_OVERFLOW: 431,
};

export function statusText(status: number): string {
  return (STATUS_CODES[status] ?? 'error').toLowerCase();
}

function statusOf(error: FastifyError): number {
  return typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
}

/** The one way an error is answered; never cached as if it were the file asked for. */
export function sendError(reply: FastifyReply, status: number): FastifyReply {
  for (const name of FILE_HEADERS) reply.removeHeader(name);
  return reply
    .code(status)
    .headers({ ...SECURITY_HEADERS, 'cache-control': 'no-store', 'content-type': ERROR_TYPE })
    .send({ error: statusText(status) });
}

/** A browser asking for a page: not a data file, an API route or a script's fetch. */
export function wantsPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (/^\/(?:data|api)(?:[/?]|$)/.test(request.raw.url ?? '/')) return false;
  return /\btext\/html\b/i.test(request.headers.accept ?? '');
}

/**
 * The one way a 404 is answered: the not-found page to a browser asking for a page, else the JSON
 * error.
 */
export const sendNotFound = (request: FastifyRequest, reply: FastifyReply) => sendStatusPage(request, reply, 404, request.server.notFoundPage);

/** The one way a signed-in caller is refused (403): the forbidden page to a browser asking for a page, else the JSON error. */
export const sendForbidden = (request: FastifyRequest, reply: FastifyReply) => sendStatusPage(request, reply, 403, request.server.forbiddenPage);

/**
 * The page of a status to a browser asking for a page, else the JSON error. The page is read at
 * each use (a rebuild while the server runs is picked up); when it cannot be read the JSON error
 * stands in.
 */
async function sendStatusPage(request: FastifyRequest, reply: FastifyReply, status: number, file: string | null): Promise<FastifyReply> {
  if (file === null || !wantsPage(request)) return sendError(reply, status);
  let page: Buffer;
  try {
    page = await readFile(file);
  } catch {
    return sendError(reply, status);
  }
  for (const name of FILE_HEADERS) reply.removeHeader(name);
  return reply
    .code(status)
    .headers({ ...SECURITY_HEADERS, 'cache-control': 'no-store', 'content-type': PAGE_TYPE })
    .send(page);
}

/** Fastify's `frameworkErrors`: a URL the router cannot decode (400), answered like any error. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = statusOf(error);
  request.log.info({ code: error.code, status }, 'refused a request the router cannot read');
  sendError(reply, status);
}

/** A whole HTTP response for the raw socket: fixed per status, nothing of the request in it. */
export function rawErrorResponse(status: number): string {
  const body = JSON.stringify({ error: statusText(status) });
  const headers = {
    ...SECURITY_HEADERS,
    'cache-control': 'no-store',
    'content-type': ERROR_TYPE,
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, ...lines, '', body].join('\r\n');
}

/**
 * Fastify's `clientErrorHandler`: a request the HTTP parser refuses (a malformed request line or
 * header, headers too large, a request timeout) gets the error contract, then the connection ends.
 */
export function clientErrorHandler(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  // a connection the client reset, or one already gone: there is nobody to answer
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = CLIENT_ERROR_STATUS[error.code] ?? 400;
  this.log.info({ code: error.code, status }, 'refused a request the HTTP parser cannot read');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(rawErrorResponse(status), () => socket.destroy());
}

export default rootPlugin<{ notFoundPage?: string | null; forbiddenPage?: string | null }>('errors', async (app, { notFoundPage = null, forbiddenPage = null }) => {
  app.decorate('notFoundPage', notFoundPage);
  app.decorate('forbiddenPage', forbiddenPage);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) return sendError(reply, 503);
  });

  app.setNotFoundHandler((request, reply) => sendNotFound(request, reply));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = statusOf(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: error.code, status }, error.message);
    return status === 404 ? sendNotFound(request, reply) : sendError(reply, status);
  });
});
