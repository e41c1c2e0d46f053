// npm run users: the dashboard's accounts, for operators and their scripts.
//
//   npm run users -- add NAME --role hr|manager|outlet [--outlet ID] [--generate] [--users FILE]
//   npm run users -- disable NAME [--users FILE]
//   npm run users -- reset-password NAME [--generate] [--users FILE]
//   npm run users -- list [--users FILE]
//
// The password is read as one line from standard input when it is not a terminal, asked for twice
// (not echoed) on a terminal, or generated and printed once with --generate. The users file is
// --users, else USERS_FILE, else data/users.json: the file the server reads by the same rule.
// Exit 0 on success, 1 with one `error:` line when the change cannot be made, 2 for bad arguments.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { AccountError, findAccount, nameProblem, normalName, outletProblem, readUsers, ROLES, usersFileFromEnv, writeUsers, type Role, type UsersFile } from './accounts.ts';
import { generatePassword, hashPassword, type ScryptCost } from './passwords.ts';
import { readPassword, type Terminal } from './prompt.ts';

export interface CommandIo extends Terminal {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
  /** the scrypt cost of new hashes (tests use a cheap one) */
  cost?: ScryptCost;
}

class UsageError extends Error {}

const USAGE = `usage:
  npm run users -- add NAME --role hr|manager|outlet [--outlet ID] [--generate] [--users FILE]
  npm run users -- disable NAME [--users FILE]
  npm run users -- reset-password NAME [--generate] [--users FILE]
  npm run users -- list [--users FILE]`;

const MIN_PASSWORD = 10;
const MAX_PASSWORD = 1024;

interface Parsed {
  command: string;
  name: string | undefined;
  role: string | undefined;
  outlet: string | undefined;
  generate: boolean;
  file: string;
}

function parse(args: string[], env: NodeJS.ProcessEnv): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { role: { type: 'string' }, outlet: { type: 'string' }, users: { type: 'string' }, generate: { type: 'boolean', default: false } },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const [command, name, ...rest] = parsed.positionals;
  if (command === undefined) throw new UsageError('a command is required');
  if (rest.length > 0) throw new UsageError(`unexpected ${rest.join(' ')}`);
  const { role, outlet, users, generate } = parsed.values;
  return { command, name, role, outlet, generate: generate === true, file: users ?? usersFileFromEnv(env) };
}

async function newPassword(parsed: Parsed, io: CommandIo): Promise<{ password: string; generated: boolean }> {
  if (parsed.generate) return { password: generatePassword(), generated: true };
  const password = await readPassword(io);
  if (password.length < MIN_PASSWORD) throw new AccountError(`a password has at least ${MIN_PASSWORD} characters (or use --generate)`);
  if (password.length > MAX_PASSWORD) throw new AccountError(`a password has at most ${MAX_PASSWORD} characters`);
  return { password, generated: false };
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function checkAdd(parsed: Parsed, users: UsersFile): { name: string; role: Role; outletId: string | null } {
  if (parsed.name === undefined) throw new UsageError('add needs a NAME');
  const problem = nameProblem(parsed.name);
  if (problem) throw new UsageError(problem);
  if (!ROLES.includes(parsed.role as Role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const role = parsed.role as Role;
  if (role === 'outlet' && parsed.outlet === undefined) throw new UsageError('an outlet account needs --outlet ID');
  if (role !== 'outlet' && parsed.outlet !== undefined) throw new UsageError(`--outlet is for outlet accounts only, not ${role}`);
  if (parsed.outlet !== undefined && outletProblem(parsed.outlet)) throw new UsageError(outletProblem(parsed.outlet)!);
  if (findAccount(users, parsed.name)) throw new AccountError(`an account named ${normalName(parsed.name)} exists already (reset-password or disable it)`);
  return { name: normalName(parsed.name), role, outletId: parsed.outlet ?? null };
}

async function add(parsed: Parsed, io: CommandIo): Promise<string> {
  const users = readUsers(parsed.file);
  const { name, role, outletId } = checkAdd(parsed, users);
  const { password, generated } = await newPassword(parsed, io);
  const time = now();
  const hash = await hashPassword(password, io.cost);
  // read again: the file may have changed while the password was typed
  const latest = readUsers(parsed.file);
  if (findAccount(latest, name)) throw new AccountError(`an account named ${name} exists already`);
  latest.users.push({ name, role, outlet_id: outletId, disabled: false, password: hash, session_version: 1, created_at: time, updated_at: time });
  writeUsers(parsed.file, latest);
  const bound = outletId === null ? '' : ` of outlet ${outletId}`;
  return `added ${name} (${role}${bound}) to ${parsed.file}\n${generated ? `password: ${password}\n` : ''}`;
}

function existing(parsed: Parsed, users: UsersFile) {
  if (parsed.name === undefined) throw new UsageError(`${parsed.command} needs a NAME`);
  if (parsed.role !== undefined || parsed.outlet !== undefined) throw new UsageError(`${parsed.command} takes no --role or --outlet`);
  const account = findAccount(users, parsed.name);
  if (!account) throw new AccountError(`no account named ${normalName(parsed.name)} in ${parsed.file}`);
  return account;
}

function disable(parsed: Parsed): string {
  if (parsed.generate) throw new UsageError('disable takes no --generate');
  const users = readUsers(parsed.file);
  const account = existing(parsed, users);
  account.disabled = true;
  account.session_version += 1;
  account.updated_at = now();
  writeUsers(parsed.file, users);
  return `disabled ${account.name}: it can no longer sign in, and its open sessions have ended\n`;
}

async function resetPassword(parsed: Parsed, io: CommandIo): Promise<string> {
  existing(parsed, readUsers(parsed.file));
  const { password, generated } = await newPassword(parsed, io);
  const hash = await hashPassword(password, io.cost);
  const users = readUsers(parsed.file);
  const account = existing(parsed, users);
  account.password = hash;
  // a reset is how an operator takes a leaked account back: it is enabled, its old sessions end
  account.disabled = false;
  account.session_version += 1;
  account.updated_at = now();
  writeUsers(parsed.file, users);
  return `new password for ${account.name}; its open sessions have ended\n${generated ? `password: ${password}\n` : ''}`;
}

function list(parsed: Parsed): string {
  if (parsed.name !== undefined) throw new UsageError('list takes no NAME');
  const users = readUsers(parsed.file);
  if (users.users.length === 0) return `no accounts in ${parsed.file}\n`;
  return users.users.map((a) => [a.name, a.role, a.outlet_id ?? '', a.disabled ? 'disabled' : 'enabled'].join('\t') + '\n').join('');
}

/** Runs one command; the exit code. */
export async function usersCommand(args: string[], io: CommandIo): Promise<number> {
  try {
    const parsed = parse(args, io.env);
    const commands: Record<string, () => Promise<string> | string> = {
      add: () => add(parsed, io),
      disable: () => disable(parsed),
      'reset-password': () => resetPassword(parsed, io),
      list: () => list(parsed),
    };
    const run = commands[parsed.command];
    if (!run) throw new UsageError(`unknown command ${parsed.command}`);
    io.stdout.write(await run());
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`error: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    io.stderr.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  usersCommand(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }).then((code) => {
    process.exitCode = code;
  });
}
