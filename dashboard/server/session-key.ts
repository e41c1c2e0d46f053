// The key that encrypts and authenticates the session cookie (32 bytes). From SESSION_KEY (64 hex
// digits or 32 bytes in base64) when set, else from a key file outside git: SESSION_KEY_FILE,
// default data/session.key, made on first start with 32 random bytes, readable by its owner only.
// A key file others may read is refused: with it anyone could forge a session. A new key signs
// everybody out; that is how to end every session at once.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config-error.ts';

export const DEFAULT_KEY_FILE = fileURLToPath(new URL('../../data/session.key', import.meta.url));

const KEY_BYTES = 32;

/** A key written as 64 hex digits or as base64 of 32 bytes. */
export function parseKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : null;
  if (key === null || key.length !== KEY_BYTES) throw new ConfigError(`${source} must be 32 bytes as 64 hex digits or base64`);
  return key;
}

function readKeyFile(file: string): Buffer {
  const mode = statSync(file).mode;
  if ((mode & 0o077) !== 0) throw new ConfigError(`the session key file ${file} can be read by others: chmod 600 it (or delete it to make a new one)`);
  return parseKey(readFileSync(file, 'utf8'), `the session key file ${file}`);
}

/** Reads the key file, making it first when there is none. */
export function keyFromFile(file: string): Buffer {
  try {
    return readKeyFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dirname(file), { recursive: true });
  try {
    // 'wx': of two servers starting at once, one writes and the other reads what it wrote
    writeFileSync(file, randomBytes(KEY_BYTES).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return readKeyFile(file);
}

export function sessionKeyFromEnv(env: NodeJS.ProcessEnv, keyFile?: string): Buffer {
  if (env.SESSION_KEY !== undefined && env.SESSION_KEY !== '') return parseKey(env.SESSION_KEY, 'SESSION_KEY');
  return keyFromFile(keyFile ?? (env.SESSION_KEY_FILE || DEFAULT_KEY_FILE));
}
