// GET /api/manifest: the published manifest, read from disk on every request. The pipeline
// switches it by an atomic rename while the server runs, so a read never sees half a file and a
// new run is visible at once. Private, as every published file (see static-files.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { errorSchema } from './errors.ts';
import { PRIVATE_REVALIDATE } from './static-files.ts';

export const NO_RESULTS = 'no published results yet';
export const UNREADABLE = 'the published manifest is unreadable';

const manifestSchema = {
  type: 'object',
  required: ['run_id', 'published_at', 'folder'],
  properties: {
    run_id: { type: 'string' },
    published_at: { type: 'string' },
    folder: { type: 'string' },
    months: { type: 'array', items: { type: 'string' } },
    latest_month: { type: ['string', 'null'] },
  },
  // fields added to the manifest later pass through unchanged
  additionalProperties: true,
} as const;

type Manifest = { run_id: string; published_at: string; folder: string } & Record<string, unknown>;

function isManifest(value: unknown): value is Manifest {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return ['run_id', 'published_at', 'folder'].every((key) => typeof record[key] === 'string' && record[key] !== '');
}

const manifest: FastifyPluginAsync<{ dataDir: string }> = async (app, { dataDir }) => {
  const file = join(dataDir, 'manifest.json');

  app.get(
    '/api/manifest',
    { schema: { response: { 200: manifestSchema, 503: errorSchema } } },
    async (request, reply) => {
      reply.header('cache-control', PRIVATE_REVALIDATE);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') request.log.error({ err: e }, 'cannot read the manifest');
        return reply.code(503).send({ error: code === 'ENOENT' || code === 'ENOTDIR' ? NO_RESULTS : UNREADABLE });
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined;
      }
      if (!isManifest(value)) {
        request.log.error('the manifest is not a JSON object with run_id, published_at and folder');
        return reply.code(503).send({ error: UNREADABLE });
      }
      return value;
    },
  );
};

export default manifest;
