// Sessions and the access check on every request. The session is an encrypted, authenticated
// cookie (@fastify/secure-session: HttpOnly, SameSite=Strict, an expiry inside the sealed value and
// on the cookie) holding only the account's name and session version. On each request the account
// is looked up in the users file again: a disabled account, a reset password or a deleted account
// ends its sessions at once.
//
// The decision (access-rules.ts) is taken on the path alone, before any file is opened: a refused
// file is answered the same whether it exists or not. Not signed in: a page redirects (303) to the
// sign-in page, anything else is 401; signed in without the right: 403. Each refusal is logged.
import secureSession from '@fastify/secure-session';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountStore, readUsers } from '../users/accounts.ts';
import { type Caller, outletFolderName, SIGN_IN_PAGE, targetOf } from './access-rules.ts';
import { ConfigError } from './config-error.ts';
import { sendError, sendForbidden, sendNotFound } from './errors.ts';
import type { AuthOptions } from './options.ts';
import { rootPlugin } from './root-plugin.ts';

export const SESSION_COOKIE = 'sq_session';

/** What the session cookie holds: the account (by name) and its session version at sign-in. */
export interface SessionUser {
  name: string;
  version: number;
}

declare module '@fastify/secure-session' {
  interface SessionData {
    user: SessionUser;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    accounts: AccountStore;
  }
  interface FastifyRequest {
    /** the signed-in account, once the access check has found one */
    caller: Caller | null;
  }
}

export type AccessResult = 'signed-in' | 'signed-out' | 'failed' | 'too-many-attempts' | 'refused' | 'not-signed-in' | 'session-ended';

/** One line of the access log: who, what, the outcome. Never a password, never a cookie. */
export function logAccess(request: FastifyRequest, caller: Pick<Caller, 'name' | 'role'> | null, result: AccessResult, status: number): void {
  const path = (request.raw.url ?? '').split('?')[0];
  request.log.info({ access: { user: caller?.name ?? null, role: caller?.role ?? null, method: request.method, path, result, status } }, `access ${result}`);
}

/** The signed-in account of the request, or null; a session whose account is gone or changed ends. */
export async function callerOf(request: FastifyRequest, accounts: AccountStore): Promise<Caller | null> {
  const user = request.session.get('user');
  if (user === undefined) return null;
  const account = typeof user.name === 'string' ? await accounts.find(user.name) : undefined;
  if (!account || account.disabled || account.session_version !== user.version) {
    request.session.delete();
    logAccess(request, account ? { name: account.name, role: account.role } : null, 'session-ended', 401);
    return null;
  }
  const outletFolder = account.outlet_id === null ? null : outletFolderName(account.outlet_id);
  return { name: account.name, role: account.role, outletId: account.outlet_id, outletFolder };
}

function toSignIn(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const next = request.raw.url ?? '/';
  return reply
    .code(303)
    .header('cache-control', 'no-store')
    .header('location', next === '/' ? SIGN_IN_PAGE : `${SIGN_IN_PAGE}?next=${encodeURIComponent(next)}`)
    .send();
}

export default rootPlugin<{ auth: AuthOptions }>('access', async (app, { auth }) => {
  // checked at start like any setting: a users file that is there but unusable stops the server
  try {
    readUsers(auth.usersFile);
  } catch (e) {
    throw new ConfigError(`the users file ${(e as Error).message}`);
  }
  app.decorate('accounts', new AccountStore(auth.usersFile, (problem) => app.log.error({ usersFile: auth.usersFile }, `the users file is unusable, so no account can sign in: ${problem}`)));
  await app.register(secureSession, {
    key: auth.sessionKey,
    cookieName: SESSION_COOKIE,
    expiry: Math.round(auth.sessionHours * 3600),
    cookie: { path: '/', httpOnly: true, sameSite: 'strict', secure: auth.cookieSecure as boolean, maxAge: Math.round(auth.sessionHours * 3600) },
  });
  app.decorateRequest('caller', null);

  app.addHook('onRequest', async (request, reply) => {
    const target = targetOf(request.raw.url ?? '/');
    if (target.kind === 'open') return;
    // listed for nobody: the same answer as a file that is not there, from the path alone
    if (target.kind === 'unlisted') return sendNotFound(request, reply);
    const caller = await callerOf(request, app.accounts);
    if (caller === null) {
      const page = target.kind === 'page' && (request.method === 'GET' || request.method === 'HEAD');
      logAccess(request, null, 'not-signed-in', page ? 303 : 401);
      return page ? toSignIn(request, reply) : sendError(reply, 401);
    }
    // known before the check: the request's log line names the account it refused
    request.caller = caller;
    if (!target.allows(caller)) {
      logAccess(request, caller, 'refused', 403);
      return sendForbidden(request, reply);
    }
  });
});
