// Every error and every unknown path answers JSON: { error: '…' }. Messages are the standard
// status texts, so that no internal detail (a file path, a stack) reaches a client.
import { STATUS_CODES } from 'node:http';
import type { FastifyError } from 'fastify';
import { rootPlugin } from './root-plugin.ts';

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' } },
  additionalProperties: false,
} as const;

export function statusText(status: number): string {
  return (STATUS_CODES[status] ?? 'error').toLowerCase();
}

export default rootPlugin('errors', async (app) => {
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).header('cache-control', 'no-store').type('application/json; charset=utf-8').send({ error: 'not found' }),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: error.code, status }, error.message);
    // never let an error response be cached as if it were the file
    return reply
      .code(status)
      .header('cache-control', 'no-store')
      .removeHeader('content-disposition')
      .type('application/json; charset=utf-8')
      .send({ error: statusText(status) });
  });
});
