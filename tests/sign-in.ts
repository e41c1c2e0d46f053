// For the server and browser suites: a users file of test accounts (hashed at a low scrypt cost, so
// that a suite signs in quickly; the server checks any stored cost) and signing in through the
// real route to get the session cookie.
import { writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Role, UsersFile } from '../dashboard/users/accounts.ts';
import { hashPassword } from '../dashboard/users/passwords.ts';

/** A fixed session key: the suites need no key file. */
export const TEST_SESSION_KEY = Buffer.alloc(32, 0x5a);

/** A cheap scrypt cost, for tests only. */
export const TEST_COST = { N: 1024, r: 8, p: 1 };

export interface TestAccount {
  name: string;
  role: Role;
  outlet?: string;
  password: string;
  disabled?: boolean;
}

export async function usersFileOf(accounts: TestAccount[]): Promise<UsersFile> {
  const users = await Promise.all(
    accounts.map(async (a) => ({
      name: a.name,
      role: a.role,
      outlet_id: a.outlet ?? null,
      disabled: a.disabled ?? false,
      password: await hashPassword(a.password, TEST_COST),
      session_version: 1,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    })),
  );
  return { format: 1, users };
}

export async function writeUsersFile(file: string, accounts: TestAccount[]): Promise<void> {
  writeFileSync(file, JSON.stringify(await usersFileOf(accounts), null, 2) + '\n', { mode: 0o600 });
}

/** Signs in through POST /auth/sign-in (JSON); the `name=value` of the session cookie. */
export async function signIn(app: FastifyInstance, name: string, password: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/auth/sign-in', payload: { name, password } });
  if (res.statusCode !== 204) throw new Error(`sign-in as ${name}: HTTP ${res.statusCode} ${res.body}`);
  const cookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('sq_session='));
  if (!cookie) throw new Error(`sign-in as ${name}: no session cookie`);
  return cookie.split(';')[0]!;
}
