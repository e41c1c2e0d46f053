// One log line per request, written when its answer is sent: method, path, status, time taken and
// the signed-in account. Fastify's own request logging is off (server.ts, disableRequestLogging):
// it writes two lines per request and the URL with its query string, which may carry data.
import type { FastifyRequest } from 'fastify';
import type { RequestRecord } from './log-format.ts';
import { rootPlugin } from './root-plugin.ts';

/** The request's path without its query. */
export function pathOf(request: FastifyRequest): string {
  return (request.raw.url ?? '').split('?')[0] ?? '';
}

export default rootPlugin('request-log', async (app) => {
  app.addHook('onResponse', async (request, reply) => {
    const record: RequestRecord = { method: request.method, path: pathOf(request), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, user: request.caller?.name ?? null };
    request.log.info({ request: record }, 'request');
  });
});
