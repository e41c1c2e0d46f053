// The users file: the dashboard's accounts, outside git (default data/users.json), written by the
// users command (cli.ts) and read by the server (AccountStore), which sees a change at the next
// request without a restart. Each account has a role (hr, manager, or outlet bound to one
// outlet_id), a password hash (passwords.ts) and a session version: disabling an account or
// resetting its password raises it, which ends every session signed in before.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPasswordHash, type PasswordHash } from './passwords.ts';

export const ROLES = ['hr', 'manager', 'outlet'] as const;
export type Role = (typeof ROLES)[number];

export interface Account {
  name: string;
  role: Role;
  /** the outlet an `outlet` account sees; null for the other roles */
  outlet_id: string | null;
  disabled: boolean;
  password: PasswordHash;
  /** raised by disable and reset-password: a session signed in under an older version ends */
  session_version: number;
  created_at: string;
  updated_at: string;
}

export interface UsersFile {
  format: 1;
  users: Account[];
  /** demo accounts only (demo.ts): the published sample run they were made for */
  sample_run_id?: string;
}

export class AccountError extends Error {}

export const DEFAULT_USERS_FILE = fileURLToPath(new URL('../../data/users.json', import.meta.url));

/** The users file the server and the command use: USERS_FILE, else data/users.json. */
export function usersFileFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.USERS_FILE && env.USERS_FILE.trim() !== '' ? env.USERS_FILE : DEFAULT_USERS_FILE;
}

/** A name as stored: Unicode NFC, no surrounding blanks. */
export function normalName(name: string): string {
  return name.normalize('NFC').trim();
}

/** Names are matched without regard to case: `HR` and `hr` are one account. */
export function nameKey(name: string): string {
  return normalName(name).toLowerCase();
}

/** Why a name cannot be an account's, or null: 1 to 64 characters, no blank or control character. */
export function nameProblem(name: string): string | null {
  return /^[^\s\p{C}]{1,64}$/u.test(normalName(name)) ? null : 'a name is 1 to 64 characters without blanks or control characters';
}

/** Why an outlet id cannot be bound, or null. Ids come from the exports: anything printable. */
export function outletProblem(outletId: string): string | null {
  return outletId.length >= 1 && outletId.length <= 200 && !/\p{C}/u.test(outletId) && outletId.trim() === outletId
    ? null
    : 'an outlet id is 1 to 200 printable characters without surrounding blanks';
}

function accountProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return 'not an object';
  const a = value as Record<string, unknown>;
  if (typeof a.name !== 'string' || nameProblem(a.name)) return 'bad name';
  if (!ROLES.includes(a.role as Role)) return `${a.name}: role must be one of ${ROLES.join(', ')}`;
  if (a.role === 'outlet' ? typeof a.outlet_id !== 'string' || outletProblem(a.outlet_id) : a.outlet_id !== null) {
    return `${a.name}: an outlet account needs its outlet_id, the other roles none`;
  }
  if (typeof a.disabled !== 'boolean') return `${a.name}: disabled must be true or false`;
  if (!isPasswordHash(a.password)) return `${a.name}: the password hash is not one this version can check`;
  if (!Number.isInteger(a.session_version)) return `${a.name}: session_version must be a whole number`;
  return null;
}

/** The accounts of a users file's text; an AccountError naming the problem otherwise. */
export function parseUsers(text: string): UsersFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new AccountError(`not JSON (${(e as Error).message})`);
  }
  const file = value as Partial<UsersFile> | null;
  if (file === null || typeof file !== 'object' || file.format !== 1 || !Array.isArray(file.users)) {
    throw new AccountError('not a users file (format 1 with a users list)');
  }
  const seen = new Set<string>();
  for (const account of file.users) {
    const problem = accountProblem(account);
    if (problem) throw new AccountError(problem);
    if (seen.has(nameKey(account.name))) throw new AccountError(`${account.name}: the name is there twice`);
    seen.add(nameKey(account.name));
  }
  return { format: 1, users: file.users };
}

/** The users file, or no accounts when it does not exist yet. */
export function readUsers(file: string): UsersFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { format: 1, users: [] };
    throw e;
  }
  try {
    return parseUsers(text);
  } catch (e) {
    throw new AccountError(`${file}: ${(e as Error).message}`);
  }
}

/**
 * Replaces the users file in one rename, readable by its owner only: a server reading it at the
 * same moment sees the old accounts or the new ones, never half a file.
 */
export function writeUsers(file: string, users: UsersFile): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.users-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, JSON.stringify(users, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function findAccount(users: UsersFile, name: string): Account | undefined {
  const key = nameKey(name);
  return users.users.find((a) => nameKey(a.name) === key);
}

/**
 * The server's view of the users file: read again whenever the file changed (its size, time or
 * inode), checked on each request that needs an account. A file that cannot be read or is not a
 * users file means no account at all (a server that guessed would let the wrong people in), and
 * is reported once per change.
 */
export class AccountStore {
  private version = '';
  private users: UsersFile = { format: 1, users: [] };

  constructor(
    readonly file: string,
    private readonly report: (problem: string) => void,
  ) {}

  async find(name: string): Promise<Account | undefined> {
    await this.refresh();
    return findAccount(this.users, name);
  }

  async count(): Promise<number> {
    await this.refresh();
    return this.users.users.length;
  }

  private async refresh(): Promise<void> {
    let version: string;
    try {
      const s = await stat(this.file, { bigint: true });
      version = `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch (e) {
      version = (e as NodeJS.ErrnoException).code ?? 'error';
    }
    if (version === this.version) return;
    this.version = version;
    try {
      this.users = readUsers(this.file);
    } catch (e) {
      this.users = { format: 1, users: [] };
      this.report((e as Error).message);
    }
  }
}
