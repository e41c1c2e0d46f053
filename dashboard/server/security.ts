// The security headers (helmet, configured in ./headers.ts) on every response, and a guard that
// turns away any request path trying to leave the served folders, before routing to the static files.
import helmet from '@fastify/helmet';
import { sendNotFound } from './errors.ts';
import { HELMET_OPTIONS } from './headers.ts';
import { rootPlugin } from './root-plugin.ts';

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * True when a raw request path (before any normalisation) is one a page can ask for: no dot
 * segments, no backslash, no NUL, no encoded separator. File names of encoded ids hold '%' (their
 * URL carries '%25'), so a dot segment is refused after a second decoding too.
 */
export function isSafePath(rawUrl: string): boolean {
  const path = rawUrl.split('?')[0] ?? '';
  if (!path.startsWith('/') || path.startsWith('//')) return false;
  if (/[\\\0]/.test(path) || /%(?:2f|5c|00)/i.test(path)) return false;
  const once = decode(path);
  if (once === undefined || /[\\\0]/.test(once)) return false;
  const twice = decode(once) ?? once;
  return ![once, twice].some((candidate) => candidate.split('/').some((segment) => segment === '.' || segment === '..'));
}

export default rootPlugin('security', async (app) => {
  await app.register(helmet, HELMET_OPTIONS);

  app.addHook('onRequest', async (request, reply) => {
    if (!isSafePath(request.raw.url ?? '/')) {
      // the path only: a query string may carry data
      request.log.warn({ path: (request.raw.url ?? '').split('?')[0] }, 'refused a path outside the served folders');
      return sendNotFound(request, reply);
    }
  });
});
