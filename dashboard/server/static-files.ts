// The published files under /data/ and the built pages under /.
//
// Caching. Everything the pipeline publishes holds personal data or money (statements, penalties,
// technician, outlet and quality files, the backlog, the downloads, the Parquet tables) or points
// at it (the manifest), so all of /data/ is `private, no-cache`: no shared cache (a proxy, a CDN)
// may keep a copy, and the browser asks again on every use, so that the sign-in and per-role checks
// a later issue adds apply to every read. The ETag and Last-Modified of the file stay, so asking
// again for an unchanged file costs a 304; the gzip copy of a file is sent with the same header.
// Only the content-hashed bundle chunks are public and immutable; the pages, their entry scripts,
// styles and chart specs hold no data and are revalidated on every use. Errors are never stored.
//
// Downloads (CSV, XLSX, Parquet) come as attachments with a readable file name. The CSV and XLSX
// statements and the JSON files of each outlet's own folder are rendered on request from the rows
// the publish wrote (downloads.ts), with the same headers as a file; a file the run folder has no
// rows of is not found, like a missing file. A page file published with a gzip copy beside it
// (`.json.gz`) is sent as that copy to a client that accepts gzip; a rendered JSON file as large is
// gzipped here, as the publish would have. Source maps are never served (nor built, see build.ts).
import { realpath } from 'node:fs/promises';
import { extname, isAbsolute, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { COMPRESS_FROM_BYTES, GZIP_LEVEL } from '../../pipeline/publish/run-folder.ts';
import { downloadRenderer } from './downloads.ts';
import { sendNotFound } from './errors.ts';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';
export const PRIVATE_REVALIDATE = 'private, no-cache';

/** Bundle chunks named by their content hash (chunks/<name>-<HASH>.js) never change. */
const HASHED_ASSET = /^chunks\/[^/]+-[A-Z0-9]{8}\.(?:js|css)$/;

/** What the pipeline publishes; anything else in the data folder is never served. */
const DATA_EXTENSIONS = new Set(['.json', '.csv', '.xlsx', '.parquet']);
const DOWNLOADS: Record<string, string | undefined> = {
  '.csv': 'text/csv; charset=utf-8',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.parquet': 'application/vnd.apache.parquet',
};

/** `attachment` with an ASCII fallback name and the exact name in RFC 8187 form. */
export function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const exact = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

/**
 * The name a download is saved under: the path inside its run folder, joined with '_'
 * (runs/<id>/penalties/2026-03.csv → penalties_2026-03.csv).
 */
export function downloadName(pathInDataDir: string): string {
  const parts = pathInDataDir.split('/');
  const inRun = parts[0] === 'runs' && parts.length > 2 ? parts.slice(2) : parts;
  return inRun.join('_');
}

const gzip = promisify(gzipCallback);


/** Whether the request's Accept-Encoding takes gzip (by name or `*`, with a q above 0). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return (acceptEncoding ?? '').split(',').some((token) => {
    const [name, ...parameters] = token.split(';').map((part) => part.trim().toLowerCase());
    const q = parameters.find((p) => p.startsWith('q='));
    return (name === 'gzip' || name === '*') && (q === undefined || Number(q.slice(2)) > 0);
  });
}

/** Sends a rendered file: a download as an attachment, an outlet's JSON file as a page file. */
async function sendRendered(request: FastifyRequest, reply: FastifyReply, inData: string, body: Buffer): Promise<FastifyReply> {
  reply.header('cache-control', PRIVATE_REVALIDATE);
  const download = DOWNLOADS[extname(inData).toLowerCase()];
  if (download !== undefined) return reply.header('content-type', download).header('content-disposition', attachment(downloadName(inData))).send(body);
  reply.header('content-type', 'application/json; charset=utf-8').header('vary', 'accept-encoding');
  // gzipped from the size and at the level the publish gzips its page files
  if (body.length < COMPRESS_FROM_BYTES || !acceptsGzip(request.headers['accept-encoding'])) return reply.send(body);
  return reply.header('content-encoding', 'gzip').send(await gzip(body, { level: GZIP_LEVEL }));
}

class OutsideRootError extends Error {
  statusCode = 404;
}

/**
 * Refuses a file whose real path (symbolic links resolved) lies outside the served folder, so a
 * link placed in a folder cannot expose what is beside it. The folder's own real path is resolved
 * once, when the server starts (per request, it was a second file-system call on every file sent).
 */
async function containedIn(root: string): Promise<(file: string) => Promise<void>> {
  const realRoot = await realpath(root);
  return async (file) => {
    let inside: string;
    try {
      inside = relative(realRoot, await realpath(file));
    } catch {
      throw new OutsideRootError('not found');
    }
    if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
      throw new OutsideRootError('not found');
    }
  };
}

function posixRelative(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}

/** The path under /data/ of a request, its segments decoded (runs/<id>/penalties/2026-03.csv), or null. */
function pathInData(rawUrl: string): string | null {
  const path = rawUrl.split('?')[0] ?? '';
  if (!path.startsWith('/data/')) return null;
  try {
    return path.slice('/data/'.length).split('/').map(decodeURIComponent).join('/');
  } catch {
    return null;
  }
}

export const dataFiles: FastifyPluginAsync<{ dataDir: string }> = async (app, { dataDir }) => {
  const downloads = downloadRenderer(dataDir);
  app.addHook('onClose', async () => downloads.close());
  app.addHook('preHandler', async (request, reply) => {
    const inData = pathInData(request.raw.url ?? '');
    const body = inData === null ? null : await downloads.render(inData);
    if (body === null) return; // a published file
    if (body === 'missing') return sendNotFound(request, reply);
    return sendRendered(request, reply, inData!, body);
  });
  await app.register(fastifyStatic, {
    root: dataDir,
    prefix: '/data/',
    decorateReply: false,
    index: false,
    dotfiles: 'ignore', // a run being written (.incomplete-…) and the manifest before its switch
    cacheControl: false,
    // the `.gz` (or `.br`) file beside a requested one, when the client accepts that encoding
    preCompressed: true,
    allowedPath: (pathName) => DATA_EXTENSIONS.has(extname(pathName).toLowerCase()),
    onFile: await containedIn(dataDir),
    setHeaders: (reply: FastifyReply, filePath: string) => {
      reply.header('cache-control', PRIVATE_REVALIDATE);
      // the file asked for, also when its compressed copy is what is sent
      const inData = posixRelative(dataDir, filePath).replace(/\.(?:gz|br)$/, '');
      const download = DOWNLOADS[extname(inData).toLowerCase()];
      if (download) {
        reply.header('content-type', download);
        reply.header('content-disposition', attachment(downloadName(inData)));
      }
    },
  });
};

export const pageFiles: FastifyPluginAsync<{ distDir: string }> = async (app, { distDir }) => {
  await app.register(fastifyStatic, {
    root: distDir,
    prefix: '/',
    decorateReply: false,
    index: ['index.html'],
    extensions: ['html'],
    dotfiles: 'ignore',
    cacheControl: false,
    allowedPath: (pathName) => extname(pathName).toLowerCase() !== '.map',
    onFile: await containedIn(distDir),
    setHeaders: (reply: FastifyReply, filePath: string) => {
      reply.header('cache-control', HASHED_ASSET.test(posixRelative(distDir, filePath)) ? IMMUTABLE : REVALIDATE);
    },
  });
};
