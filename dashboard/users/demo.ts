// Demo accounts for the bundled sample: one per role (HR, a manager, two outlets: the two best
// ranked of the latest month), with new passwords at each start, printed once. They live in their
// own users file (data/demo-users.json), which names the sample's published run: once anything
// else is published there, the demo accounts are removed, so that they never open real data.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Account, type Role, writeUsers } from './accounts.ts';
import { DEFAULT_COST, generatePassword, hashPassword, type ScryptCost } from './passwords.ts';

export const DEMO_USERS_FILE = fileURLToPath(new URL('../../data/demo-users.json', import.meta.url));

export interface DemoAccount {
  name: string;
  role: Role;
  outletId: string | null;
  password: string;
}

interface PublishedRun {
  run_id: string;
  folder: string;
  latest_month: string | null;
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** The run whose demo accounts the demo users file holds, or null. */
export function demoRunOf(file: string = DEMO_USERS_FILE): string | null {
  const demo = readJson<{ sample_run_id?: unknown }>(file);
  return typeof demo?.sample_run_id === 'string' ? demo.sample_run_id : null;
}

/** The two best-ranked outlets of the latest month of a published run. */
function demoOutlets(dataDir: string, run: PublishedRun): string[] {
  const ranking = readJson<{ outlet_id: string }[]>(join(dataDir, run.folder, 'ranking', `${run.latest_month}.json`)) ?? [];
  return ranking.slice(0, 2).map((r) => r.outlet_id);
}

/**
 * Writes the demo users file for the published sample run (new passwords every time, which also
 * ends the sessions of the previous start) and returns the accounts with their passwords.
 */
export async function makeDemoAccounts(dataDir: string, file: string = DEMO_USERS_FILE, cost: ScryptCost = DEFAULT_COST): Promise<DemoAccount[]> {
  const run = readJson<PublishedRun>(join(dataDir, 'manifest.json'));
  if (run === null) throw new Error(`nothing is published in ${dataDir}`);
  const outlets = demoOutlets(dataDir, run);
  const demo: DemoAccount[] = [
    { name: 'demo-hr', role: 'hr', outletId: null, password: generatePassword() },
    { name: 'demo-manager', role: 'manager', outletId: null, password: generatePassword() },
    ...outlets.map((outletId, i) => ({ name: `demo-outlet-${i + 1}`, role: 'outlet' as const, outletId, password: generatePassword() })),
  ];
  const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const version = Date.now();
  const users: Account[] = await Promise.all(
    demo.map(async (a) => ({ name: a.name, role: a.role, outlet_id: a.outletId, disabled: false, password: await hashPassword(a.password, cost), session_version: version, created_at: time, updated_at: time })),
  );
  writeUsers(file, { format: 1, users, sample_run_id: run.run_id });
  return demo;
}

export function removeDemoAccounts(file: string = DEMO_USERS_FILE): void {
  rmSync(file, { force: true });
}

/** The demo accounts as start prints them: role, name, password, outlet. */
export function demoTable(accounts: DemoAccount[]): string {
  const width = Math.max(...accounts.map((a) => a.name.length));
  const lines = accounts.map((a) => `  ${a.role.padEnd(8)} ${a.name.padEnd(width)}  ${a.password}${a.outletId === null ? '' : `  (outlet ${a.outletId})`}`);
  return `Demo accounts of the bundled sample (new passwords at each start; never on real data):\n${lines.join('\n')}\n`;
}
