// Password hashes: scrypt from Node's crypto (a maintained implementation, no native build), with
// its cost parameters and salt stored beside each hash, so that raising the cost later leaves the
// existing accounts working. Comparison is constant-time; a name that matches no account is
// checked against a dummy hash of the same cost, so the time of an answer does not tell whether
// the account exists.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface PasswordHash {
  algorithm: 'scrypt';
  /** CPU and memory cost (a power of two) */
  N: number;
  /** block size */
  r: number;
  /** parallelisation */
  p: number;
  /** base64 */
  salt: string;
  /** base64, the derived key */
  hash: string;
}

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/**
 * One of OWASP's scrypt settings (N = 2^15, r = 8, p = 3): 32 MiB per check, so that a few sign-ins
 * at once cannot take the server's memory, and about 0.2 s of one core per check.
 */
export const DEFAULT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 3 };

const KEY_BYTES = 32;
const SALT_BYTES = 16;

/** Limits a users file cannot raise: a hostile or mistyped cost must not take the server down. */
const MAX_N = 2 ** 20;
const MAX_RP = 64;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  // Node refuses a cost above its default memory ceiling (32 MiB) unless told the room it may take
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return { algorithm: 'scrypt', ...cost, salt: salt.toString('base64'), hash: key.toString('base64') };
}

/** Whether a stored hash is one this module can check within its limits. */
export function isPasswordHash(value: unknown): value is PasswordHash {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const power = typeof v.N === 'number' && Number.isInteger(v.N) && v.N >= 2 && v.N <= MAX_N && (v.N & (v.N - 1)) === 0;
  const small = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= MAX_RP;
  const base64 = (x: unknown) => typeof x === 'string' && x.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(x);
  return v.algorithm === 'scrypt' && power && small(v.r) && small(v.p) && base64(v.salt) && base64(v.hash);
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const key = await derive(password, Buffer.from(stored.salt, 'base64'), stored);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

let dummy: Promise<PasswordHash> | undefined;

/**
 * The work of checking a password against an account, for a name that has none: always false, in
 * the time a real check of the default cost takes.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(18).toString('base64'));
  await verifyPassword(password, await dummy);
  return false;
}

/** A password to print once: 18 random bytes, 24 characters of base64url. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
