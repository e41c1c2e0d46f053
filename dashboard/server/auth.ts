// Signing in and out, and who is signed in.
//
//   POST /auth/sign-in   name, password (form or JSON), optional next: the session cookie, then 303
//                        to `next` (a path of this server only) or 204 for JSON; 401 for a wrong
//                        name or password alike; 429 after too many attempts
//   POST /auth/sign-out  ends the session: 303 to the sign-in page (a form), 204 otherwise
//   GET  /api/session    the signed-in account: name, role, outlet, the pages it may open
//
// Attempts are counted per address and per account name by @fastify/rate-limit's limiter, before
// the password is looked at: the attempt over the limit is refused without checking it. A name
// with no account is checked against a dummy hash, so that its answer takes as long. A request
// from another site is refused (the SameSite cookie already keeps sessions from riding along;
// this keeps another site from signing a browser in to an account of its choosing).
import formBody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { nameKey } from '../users/accounts.ts';
import { verifyAgainstDummy, verifyPassword } from '../users/passwords.ts';
import { logAccess } from './access.ts';
import { pagesOf, safeNext, SIGN_IN_PAGE } from './access-rules.ts';
import { errorSchema, sendError } from './errors.ts';
import type { SignInLimits } from './options.ts';

const signInBody = {
  type: 'object',
  required: ['name', 'password'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
    next: { type: 'string', maxLength: 2000 },
  },
} as const;

const sessionSchema = {
  type: 'object',
  required: ['name', 'role', 'outlet_id', 'outlet_folder', 'pages'],
  properties: {
    name: { type: 'string' },
    role: { type: 'string', enum: ['hr', 'manager', 'outlet'] },
    outlet_id: { type: ['string', 'null'] },
    outlet_folder: { type: ['string', 'null'] },
    pages: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
} as const;

const noContent = { type: 'null' } as const;

function isJson(request: FastifyRequest): boolean {
  return /^application\/json\b/i.test(request.headers['content-type'] ?? '');
}

/**
 * A request sent by a page of another site, which must not sign in or out: what the browser says
 * (Sec-Fetch-Site), else the Origin against the Host. A form posted under the pages' no-referrer
 * policy may carry `Origin: null`, so that one says nothing.
 */
export function crossSite(request: Pick<FastifyRequest, 'headers'>): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return false;
  try {
    return new URL(origin).host !== new URL(`http://${request.headers.host ?? ''}`).host;
  } catch {
    return true;
  }
}

type Limiter = (request: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttlInSeconds?: number }>;

/** Counts the attempt per address, then per account; the seconds to wait when one is over its limit. */
function attemptCounter(app: FastifyInstance, limits: SignInLimits): (request: FastifyRequest) => Promise<number | null> {
  const perAddress: Limiter = app.createRateLimit({ max: limits.perAddress, timeWindow: limits.windowMs });
  const perAccount: Limiter = app.createRateLimit({
    max: limits.perAccount,
    timeWindow: limits.windowMs,
    keyGenerator: (request) => `account:${nameKey(String((request.body as { name?: unknown }).name))}`,
  });
  return async (request) => {
    for (const limiter of [perAddress, perAccount]) {
      const limit = await limiter(request);
      if (!limit.isAllowed && limit.isExceeded) return Math.max(1, limit.ttlInSeconds ?? 1);
    }
    return null;
  };
}

async function checkPassword(app: FastifyInstance, name: string, password: string) {
  const account = await app.accounts.find(name);
  if (!account) return { account: undefined, ok: await verifyAgainstDummy(password) };
  const ok = await verifyPassword(password, account.password);
  return { account, ok: ok && !account.disabled };
}

function signIn(app: FastifyInstance, limits: SignInLimits) {
  const tooMany = attemptCounter(app, limits);
  return async (request: FastifyRequest<{ Body: { name: string; password: string; next?: string } }>, reply: FastifyReply) => {
    if (crossSite(request)) {
      logAccess(request, null, 'refused', 403);
      return sendError(reply, 403);
    }
    const { name, password, next } = request.body;
    const wait = await tooMany(request);
    if (wait !== null) {
      logAccess(request, null, 'too-many-attempts', 429);
      return sendError(reply.header('retry-after', String(wait)), 429);
    }
    const { account, ok } = await checkPassword(app, name, password);
    if (!account || !ok) {
      // the name is logged only when it is an account's: a password typed into the name field stays out of the log
      logAccess(request, account ? { name: account.name, role: account.role } : null, 'failed', 401);
      return sendError(reply, 401);
    }
    request.session.set('user', { name: account.name, version: account.session_version });
    logAccess(request, account, 'signed-in', isJson(request) ? 204 : 303);
    reply.header('cache-control', 'no-store');
    return isJson(request) ? reply.code(204).send() : reply.code(303).header('location', safeNext(next)).send();
  };
}

const auth: FastifyPluginAsync<{ limits: SignInLimits }> = async (app, { limits }) => {
  await app.register(formBody, { bodyLimit: 8192 });
  await app.register(rateLimit, { global: false, cache: 20_000 });

  app.post('/auth/sign-in', { bodyLimit: 8192, schema: { body: signInBody, response: { 204: noContent, 303: noContent, '4xx': errorSchema } } }, signIn(app, limits));

  app.post('/auth/sign-out', { bodyLimit: 8192, schema: { response: { 204: noContent, 303: noContent, '4xx': errorSchema } } }, async (request, reply) => {
    if (crossSite(request)) return sendError(reply, 403);
    const user = request.session.get('user');
    const account = typeof user?.name === 'string' ? await app.accounts.find(user.name) : undefined;
    request.session.delete();
    logAccess(request, account ?? null, 'signed-out', isJson(request) ? 204 : 303);
    reply.header('cache-control', 'no-store');
    return isJson(request) ? reply.code(204).send() : reply.code(303).header('location', SIGN_IN_PAGE).send();
  });

  app.get('/api/session', { schema: { response: { 200: sessionSchema } } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const caller = request.caller!;
    return { name: caller.name, role: caller.role, outlet_id: caller.outletId, outlet_folder: caller.outletFolder, pages: pagesOf(caller) };
  });
};

export default auth;
