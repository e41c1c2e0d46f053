// Security headers (helmet, with a strict Content-Security-Policy) and a guard that turns away any
// request path trying to leave the served folders, before routing to the static files.
import helmet from '@fastify/helmet';
import { rootPlugin } from './root-plugin.ts';

/** The pages load only their own scripts, styles and data; charts render without eval. */
export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'frame-ancestors': ["'none'"],
};

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
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    xFrameOptions: { action: 'deny' },
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!isSafePath(request.raw.url ?? '/')) {
      request.log.warn({ url: request.raw.url }, 'refused a path outside the served folders');
      return reply.code(404).header('cache-control', 'no-store').type('application/json; charset=utf-8').send({ error: 'not found' });
    }
  });
});
