// Incremental model builds: after records are added or replaced, with the months the loader marks in
// stale_months, rebuilding only those months (and the months they feed) must leave every model table
// exactly as a full build of the same stored records in a fresh database does. The records come from
// a seeded generator with the awkward cases in it: calls and complaints in the month after their
// ticket, orphans whose ticket arrives in a later export, rankings and year-to-date escalation across
// a year boundary, repairs of the same products (by serial, or by phone in any spelling and category),
// unsatisfied customers called again, tickets whose revisit slip arrives months later (settled late),
// appeals of every decision (some naming lines not built yet, or none). With month closes (spec 6.2)
// the comparison is with a full build of the same records and the same closes (month_closes and the
// frozen rows copied over), after closes among the random changes and between monthly loads.
// Each build also records for the publish what it rewrote, under a new build id.
import { describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../pipeline/common/config.ts';
import { Db, type Row } from '../pipeline/common/db.ts';
import { ensureSchema } from '../pipeline/load/index.ts';
import { applyConfig, buildModels, checkInvariants, currentBuild, MODELS, type BuildResult } from '../pipeline/build/index.ts';
import { freezeMonth } from '../pipeline/build/close.ts';

type Table = 'tickets' | 'revisits' | 'complaints' | 'violations' | 'technicians' | 'outlets' | 'appeal_records';
const KEYS: Record<Table, string> = {
  tickets: 'ticket_id',
  revisits: 'revisit_id',
  complaints: 'complaint_id',
  violations: 'violation_id',
  technicians: 'technician_id',
  outlets: 'outlet_id',
  appeal_records: 'appeal_id',
};
const MODEL_TABLES = MODELS.filter((m) => m.materialized === 'table').map((m) => m.name);
// empty until a month is closed and something changes in it after
const ADJUSTMENT_TABLES = ['int_penalty_adjustments', 'int_settlement_adjustments', 'penalty_adjustments', 'settlement_adjustments'];
// what a close leaves: the same closes in the database of the full build
const CLOSE_TABLES = [
  'month_closes', 'frozen_penalty_lines', 'frozen_penalty_totals', 'frozen_outlet_penalty_lines', 'frozen_settlement_lines',
  'frozen_settlement_totals', 'frozen_penalty_adjustments', 'frozen_settlement_adjustments',
];

/** Small thresholds, so that a few dozen tickets a month make rankings, TOP_COMPLAINT_RATE and escalation. */
function testConfig(): Config {
  const config = defaultConfig();
  config.ranking.technician_min_tickets = 4;
  config.ranking.outlet_min_tickets = 8;
  config.escalation.training_violations_per_month = 2;
  config.escalation.training_violations_per_year = 4;
  // repeat repairs fined, so that their lines are compared too
  config.penalty_rules = config.penalty_rules.map((r) => (r.rule_id === 'REPEAT_REPAIR' ? { ...r, enabled: true } : r));
  return config;
}

/** The stored records as the test knows them, one map per table by key. */
type Records = Record<Table, Map<string, Row>>;

function emptyRecords(): Records {
  return { tickets: new Map(), revisits: new Map(), complaints: new Map(), violations: new Map(), technicians: new Map(), outlets: new Map(), appeal_records: new Map() };
}

const month = (ts: unknown): string | undefined => (typeof ts === 'string' ? ts.slice(0, 7) : undefined);

/**
 * Stores rows as the loader does: a row replaces the stored row of its key, and stale_months gets
 * the months of every row stored and every row replaced (the contract in schema.sql).
 */
async function store(db: Db, records: Records, table: Table, rows: Row[]): Promise<void> {
  const stale = new Set<string>();
  const ticketMonth = (ticketId: unknown) => month(records.tickets.get(String(ticketId))?.completed_at);
  // an appeal's line, as the built lines (recomputed or frozen) place it
  const built = (await db.value<number>(`select count(*) from duckdb_tables() where table_name = 'int_penalty_lines'`)) > 0;
  const lineMonths = async (lineId: unknown): Promise<string[]> =>
    !built ? [] : (await db.all(`select month from int_penalty_lines where line_id = $1 union select month from frozen_penalty_lines where line_id = $1`, [String(lineId)])).map((r) => String(r.month));
  const monthsOf = async (row: Row): Promise<(string | undefined)[]> => {
    switch (table) {
      case 'tickets': return [month(row.created_at), month(row.completed_at)];
      case 'revisits': return [month(row.revisit_at), ticketMonth(row.ticket_id)];
      case 'complaints': return [month(row.received_at), ticketMonth(row.ticket_id)];
      case 'violations': return [month(row.occurred_at)];
      case 'appeal_records': return [month(row.submitted_at), ...(await lineMonths(row.line_id))];
      default: return ['*'];
    }
  };
  for (const row of rows) {
    const key = String(row[KEYS[table]]);
    const replaced = records[table].get(key);
    for (const m of [...(await monthsOf(row)), ...(replaced ? await monthsOf(replaced) : [])]) if (m) stale.add(m);
    if (replaced) await db.connection.run(`delete from ${table} where ${KEYS[table]} = $1`, [key]);
    await insertRow(db, table, row);
    records[table].set(key, row);
  }
  for (const m of stale) await db.connection.run(`insert into stale_months values ($1)`, [m]);
}

async function insertRow(db: Db, table: Table, row: Row): Promise<void> {
  const full: Row = { ...row, batch_id: 0 };
  const columns = Object.keys(full);
  await db.connection.run(
    `insert into ${table} (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
    columns.map((c) => full[c] ?? null) as never,
  );
}

async function openDb(config: Config): Promise<Db> {
  const db = await Db.open(':memory:');
  await ensureSchema(db);
  await applyConfig(db, config);
  return db;
}

async function modelTables(db: Db): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const table of MODEL_TABLES) out[table] = await db.all(`select * from ${table} order by all`);
  return out;
}

/** Every model table of a full build of these records in a fresh database, with the closes of closedIn copied over. */
async function fullBuildOf(records: Records, config: Config, closedIn?: Db): Promise<Record<string, Row[]>> {
  const db = await openDb(config);
  try {
    for (const table of Object.keys(records) as Table[]) for (const row of records[table].values()) await insertRow(db, table, row);
    if (closedIn) for (const table of CLOSE_TABLES) for (const row of await closedIn.all(`select * from ${table}`)) await insertAny(db, table, row);
    expect((await buildModels(db)).full).toBe(true);
    expect(await checkInvariants(db)).toEqual([]);
    return await modelTables(db);
  } finally {
    db.close();
  }
}

async function insertAny(db: Db, table: string, row: Row): Promise<void> {
  const columns = Object.keys(row);
  await db.connection.run(`insert into ${table} (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, columns.map((c) => row[c] ?? null) as never);
}

/** Builds incrementally and checks every model table against a fresh full build with the same closes (and, unless told, that it has rows). */
async function expectSameAsFullBuild(db: Db, records: Records, config: Config, options = { emptyTables: false }): Promise<BuildResult> {
  const result = await buildModels(db);
  expect(await db.value(`select count(*) from stale_months`)).toBe(0);
  expect(await checkInvariants(db)).toEqual([]);
  const incremental = await modelTables(db);
  const full = await fullBuildOf(records, config, db);
  for (const table of MODEL_TABLES) {
    if (table !== 'data_orphans' && !ADJUSTMENT_TABLES.includes(table) && !options.emptyTables) expect(incremental[table]!.length, table).toBeGreaterThan(0);
    expect(incremental[table], table).toEqual(full[table]);
  }
  return result;
}

/**
 * Closes the first month after the latest closed one that has anything to close, as the close
 * command does: the tables brought up to date, then frozen. Returns the month, or null when that
 * month is not before `until`.
 */
async function closeNext(db: Db, until: string): Promise<string | null> {
  await buildModels(db);
  const next = await db.value<string | null>(`
    select min(month) from (
      select month from kpi_network_month union select month from penalty_lines union select settlement_month from settlement_lines
      union select month from penalty_totals union select month from settlement_totals
      union select month from penalty_adjustments union select month from settlement_adjustments
    )
    where month > coalesce((select max(month) from month_closes), '')`);
  if (next === null || next >= until) return null;
  await freezeMonth(db, next, 'test', '2026-06-01 09:00:00');
  return next;
}

/** A seeded pseudo-random source (mulberry32), so every run builds the same records. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function timestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TECHNICIANS = ['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7'];
const OUTLETS = ['W1', 'W2', 'W3'];
const MONTHS = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03'];

/** One export: the records of a calendar month, each placed by its own time (a call or complaint may concern an earlier month's ticket). */
interface Export {
  tickets: Row[];
  revisits: Row[];
  complaints: Row[];
  violations: Row[];
  appeals: Row[];
}

/** A customer's product: by serial, or by the customer's phone and the product category. */
interface Product {
  serial: string | null;
  phone: string | null;
  category: string | null;
}

const PHONE_SPELLINGS = [(n: string) => n, (n: string) => `+86 ${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}`, (n: string) => `86${n}`, (n: string) => `(+86) ${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`];

/** The products of the network's customers: most with a serial, some known by phone and category, a few by neither. */
function products(rnd: () => number): Product[] {
  return Array.from({ length: 90 }, (_, i) => {
    const x = rnd();
    const phone = `139${String(10000000 + i * 7919).slice(-8)}`;
    if (x < 0.6) return { serial: `SN-${String(i).padStart(4, '0')}`, phone, category: 'washer' };
    if (x < 0.9) return { serial: null, phone, category: rnd() < 0.5 ? 'fridge' : 'aircon' };
    return { serial: null, phone: rnd() < 0.5 ? phone : null, category: rnd() < 0.5 ? null : 'fridge' };
  });
}

/** A ticket's product columns, the phone in one of the spellings customers give. */
function productColumns(rnd: () => number, product: Product): Row {
  const spell = PHONE_SPELLINGS[Math.floor(rnd() * PHONE_SPELLINGS.length)]!;
  return { product_serial: product.serial, customer_phone: product.phone === null ? null : spell(product.phone), product_category: product.category };
}

/**
 * The calls after a verdict: an unsatisfied customer is called again zero, one or two times, within
 * the week, the month or later; now and then a call is not reached.
 */
function followUps(rnd: () => number, ticketId: string, n: number, verdictAt: number): Row[] {
  const calls = rnd() < 0.3 ? 0 : rnd() < 0.5 ? 1 : 2;
  const out: Row[] = [];
  let at = verdictAt;
  for (let c = 0; c < calls; c++) {
    at += (rnd() < 0.6 ? 1 + Math.floor(rnd() * 7 * 24) : 7 * 24 + Math.floor(rnd() * 30 * 24)) * HOUR;
    out.push({ revisit_id: `HF${String(n).padStart(5, '0')}-F${c}`, ticket_id: ticketId, revisit_at: timestamp(at), reached: rnd() < 0.85, result: rnd() < 0.5 ? 'neutral' : null });
  }
  return out;
}

/** Monthly exports of a small network, with the reference data. */
function generate(seed: number): { exports: Map<string, Export>; technicians: Row[]; outlets: Row[] } {
  const rnd = random(seed);
  // the products, follow-ups and late slips from a stream of their own: the rest of the records stay as they were
  const more = random(seed + 1000);
  // and the appeals from a third
  const appealRandom = random(seed + 2000);
  const known = products(more);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const exports = new Map<string, Export>(MONTHS.map((m) => [m, { tickets: [], revisits: [], complaints: [], violations: [], appeals: [] }]));
  const exportOf = (ts: string) => exports.get(ts.slice(0, 7));
  let n = 0;
  for (const m of MONTHS) {
    const start = Date.parse(`${m}-01T00:00:00Z`);
    for (let i = 0; i < 60; i++) {
      const id = `GD${String(++n).padStart(5, '0')}`;
      const technician = pick(TECHNICIANS);
      // most technicians work for one outlet, some for two
      const outlet = rnd() < 0.8 ? OUTLETS[TECHNICIANS.indexOf(technician) % OUTLETS.length]! : pick(OUTLETS);
      const created = start + Math.floor(rnd() * 27 * 24) * HOUR + 8 * HOUR;
      const appointment = created + (4 + Math.floor(rnd() * 60)) * HOUR;
      const arrived = appointment + Math.floor((rnd() - 0.2) * 4) * HOUR;
      const completed = arrived + (1 + Math.floor(rnd() * 3)) * HOUR;
      const status = rnd() < 0.9 ? 'completed' : pick(['cancelled', 'open']);
      const rescheduled = rnd() < 0.1;
      const ticket: Row = {
        ticket_id: id,
        outlet_id: outlet,
        technician_id: technician,
        service_type: pick(['install', 'repair', 'maintenance', 'consultation']),
        created_at: timestamp(created),
        appointment_start: timestamp(appointment),
        appointment_end: rnd() < 0.8 ? timestamp(appointment + 2 * HOUR) : null,
        original_appointment_start: rescheduled ? timestamp(appointment - 24 * HOUR) : null,
        original_appointment_end: rescheduled ? timestamp(appointment - 22 * HOUR) : null,
        rescheduled_at: rescheduled ? timestamp(appointment - Math.floor(rnd() * 30) * HOUR) : null,
        arrived_at: rnd() < 0.9 ? timestamp(arrived) : null,
        completed_at: status === 'completed' ? timestamp(completed) : null,
        status,
        fee_charged: rnd() < 0.1 ? 150 : 100,
        fee_standard: 100,
        updated_at: timestamp(created),
        // most repairs are of a product seen before: repeats within the 90 days and after
        ...productColumns(more, known[Math.floor(more() * (more() < 0.7 ? 30 : known.length))]!),
      };
      // a few tickets reach the exports only in a later month: their calls and complaints are orphans until then
      const late = rnd() < 0.05 && m !== MONTHS.at(-1);
      (late ? exports.get(MONTHS[MONTHS.indexOf(m) + 1]!)! : exportOf(ticket.created_at as string)!).tickets.push(ticket);
      const calls = status === 'completed' ? (rnd() < 0.15 ? 2 : rnd() < 0.85 ? 1 : 0) : rnd() < 0.2 ? 1 : 0;
      for (let c = 0; c < calls; c++) {
        // mostly within the 72 h window; some a week later (often in the next month), a few before completion
        const at = completed + (rnd() < 0.1 ? -2 : rnd() < 0.8 ? 1 + Math.floor(rnd() * 80) : 24 * 7 + Math.floor(rnd() * 24 * 10)) * HOUR;
        const answer = () => (rnd() < 0.9 ? true : rnd() < 0.7 ? false : null);
        const revisit: Row = {
          revisit_id: `HF${String(n).padStart(5, '0')}-${c}`,
          ticket_id: id,
          revisit_at: timestamp(at),
          reached: rnd() < 0.9,
          result: rnd() < 0.85 ? pick(['satisfied', 'satisfied', 'satisfied', 'neutral', 'unsatisfied']) : null,
          uniform_badge: answer(),
          shoe_covers: answer(),
          four_nots_ok: answer(),
          site_cleaned: answer(),
          explained_usage: answer(),
          signed_record: answer(),
          charged_per_standard: answer(),
        };
        exportOf(revisit.revisit_at as string)?.revisits.push(revisit);
        if (revisit.reached && revisit.result === 'unsatisfied' && at >= completed) {
          for (const call of followUps(more, id, n, at)) exportOf(call.revisit_at as string)?.revisits.push(call);
        }
      }
      // a revisit slip that arrives one to three months after the job: the ticket is withheld until then
      if (status === 'completed' && calls === 0 && more() < 0.5) {
        const at = completed + (20 + Math.floor(more() * 70)) * DAY;
        exportOf(timestamp(at))?.revisits.push({ revisit_id: `HF${String(n).padStart(5, '0')}-L`, ticket_id: id, revisit_at: timestamp(at), reached: true, result: 'satisfied' });
      }
      if (rnd() < 0.18) {
        const received = completed + Math.floor(rnd() * 24 * 20) * HOUR;
        const complaint: Row = {
          complaint_id: `TS${String(n).padStart(5, '0')}`,
          ticket_id: rnd() < 0.9 ? id : null,
          technician_id: technician,
          outlet_id: outlet,
          received_at: timestamp(received),
          category: pick(['service_attitude', 'untimely', 'overcharge', 'skill', 'overcharge']),
          responsible: pick(['technician', 'technician', 'outlet', 'product']),
          verified: rnd() < 0.85,
        };
        exportOf(complaint.received_at as string)?.complaints.push(complaint);
      }
    }
    for (let v = 0; v < 4; v++) {
      const violation: Row = {
        violation_id: `V-${m}-${v}`,
        technician_id: pick(TECHNICIANS),
        occurred_at: timestamp(start + Math.floor(rnd() * 27 * 24) * HOUR),
        rule_id: pick(['IMAGE', 'FOUR_NOTS', 'SMOKING', 'OVERCHARGE']),
        amount: rnd() < 0.5 ? 80 : null,
        note: null,
      };
      if (violation.rule_id === 'SMOKING') violation.amount = 200;
      exports.get(m)!.violations.push(violation);
    }
    exports.get(m)!.appeals.push(...monthAppeals(appealRandom, m, [...exports.get(m)!.violations], n));
  }
  const technicians = TECHNICIANS.map((t, i) => ({ technician_id: t, name: `Tech ${i}`, outlet_id: OUTLETS[i % OUTLETS.length], status: 'active' }));
  const outlets = OUTLETS.map((o, i) => ({ outlet_id: o, name: `Outlet ${i}`, tier: ['service_center', 'repair_shop', 'authorized'][i], city: 'Qingdao' }));
  return { exports, technicians, outlets };
}

const DECISIONS = ['pending', 'upheld', 'waived', 'reduced'] as const;

/** An appeal of a line, submitted at a time, decided (or not) a few days later. */
function appeal(rnd: () => number, id: string, lineId: string, submitted: number): Row {
  const decision = DECISIONS[Math.floor(rnd() * DECISIONS.length)]!;
  return {
    appeal_id: id,
    line_id: lineId,
    submitted_at: timestamp(submitted),
    decision,
    // now and then a reduction to more than the line's amount: rejected by the build
    decided_amount: decision === 'reduced' ? (rnd() < 0.85 ? 10 : 900) : null,
    decided_at: decision === 'pending' ? null : timestamp(submitted + (1 + Math.floor(rnd() * 5)) * DAY),
    updated_at: null,
  };
}

/**
 * The appeals of a month's export: of manual lines (known), of lines of the month's tickets that
 * may not exist (or whose ticket arrives only later), a second appeal of a line now and then, and
 * one of a line that exists nowhere.
 */
function monthAppeals(rnd: () => number, m: string, violations: Row[], lastTicket: number): Row[] {
  const start = Date.parse(`${m}-01T00:00:00Z`);
  const out: Row[] = [];
  for (const v of violations.filter(() => rnd() < 0.5)) {
    out.push(appeal(rnd, `SS-${v.violation_id}`, `${v.rule_id}:${v.violation_id}`, start + 27 * DAY));
    if (rnd() < 0.3) out.push(appeal(rnd, `SS-${v.violation_id}-2`, `${v.rule_id}:${v.violation_id}`, start + 27 * DAY + HOUR));
  }
  for (let a = 0; a < 6; a++) {
    const ticket = `GD${String(lastTicket - Math.floor(rnd() * 60)).padStart(5, '0')}`;
    const rule = ['LATE_NO_NOTICE', 'NO_SHOE_COVERS', 'IMAGE', 'FOUR_NOTS'][Math.floor(rnd() * 4)]!;
    out.push(appeal(rnd, `SS-${m}-${a}`, `${rule}:${ticket}`, start + (20 + a) * DAY));
  }
  out.push(appeal(rnd, `SS-${m}-X`, `NO_SUCH_RULE:${m}`, start + 26 * DAY));
  return out;
}

/** A database holding and built from the exports of the given months, and what it stores. */
async function history(months: string[], config: Config, seed = 7): Promise<{ db: Db; records: Records; data: ReturnType<typeof generate> }> {
  const data = generate(seed);
  const db = await openDb(config);
  const records = emptyRecords();
  await store(db, records, 'technicians', data.technicians);
  await store(db, records, 'outlets', data.outlets);
  for (const m of months) await storeExport(db, records, data.exports.get(m)!);
  expect((await buildModels(db)).full).toBe(true);
  return { db, records, data };
}

async function storeExport(db: Db, records: Records, e: Export): Promise<void> {
  await store(db, records, 'tickets', e.tickets);
  await store(db, records, 'revisits', e.revisits);
  await store(db, records, 'complaints', e.complaints);
  await store(db, records, 'violations', e.violations);
  await store(db, records, 'appeal_records', e.appeals);
}

/**
 * One random change to the stored records, of a kind whose effects reach other months: a ticket's
 * people, status and times; its product (a repeat found or lost, as the repair or as the job before
 * one); a call's outcome and time; a new call (a follow-up, or a revisit slip months late); a
 * complaint's ticket; a violation's month; an appeal, new or decided again; or, with closes, the close
 * of the next month (up to `closeUntil`, not included), the tables brought up to date first as the
 * close command does.
 */
async function randomChange(db: Db, records: Records, rnd: () => number, closeUntil?: string): Promise<void> {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const shift = (ts: unknown, hours: number): string => timestamp(Date.parse(`${String(ts).replace(' ', 'T')}Z`) + hours * HOUR);
  const kinds = ['ticket', 'ticket', 'product', 'product', 'revisit', 'call', 'complaint', 'violation', ...(closeUntil ? (['appeal', 'appeal', 'close'] as const) : [])] as const;
  const kind = pick([...kinds]);
  if (kind === 'close') {
    await closeNext(db, closeUntil!);
  } else if (kind === 'appeal') {
    await randomAppeal(db, records, rnd);
  } else if (kind === 'ticket') {
    const t = pick([...records.tickets.values()]);
    const completed = t.completed_at ? shift(t.completed_at, Math.floor((rnd() - 0.5) * 24 * 40)) : null;
    await store(db, records, 'tickets', [{
      ...t,
      technician_id: pick(TECHNICIANS),
      outlet_id: pick(OUTLETS),
      status: rnd() < 0.8 ? 'completed' : 'cancelled',
      completed_at: completed ?? shift(t.created_at, 30),
      arrived_at: rnd() < 0.5 ? null : shift(completed ?? t.created_at, -1),
      fee_charged: pick([100, 120, 180]),
    }]);
  } else if (kind === 'product') {
    const t = pick([...records.tickets.values()]);
    const other = pick([...records.tickets.values()]);
    const blank = rnd() < 0.15;
    await store(db, records, 'tickets', [{
      ...t,
      product_serial: blank ? null : other.product_serial,
      customer_phone: blank ? null : other.customer_phone,
      product_category: blank ? null : other.product_category,
      service_type: rnd() < 0.6 ? 'repair' : t.service_type,
      created_at: shift(t.created_at, Math.floor((rnd() - 0.5) * 24 * 30)),
    }]);
  } else if (kind === 'revisit') {
    const r = pick([...records.revisits.values()]);
    await store(db, records, 'revisits', [{ ...r, reached: rnd() < 0.7, result: pick(['satisfied', 'unsatisfied', null]), shoe_covers: pick([true, false, null]), revisit_at: shift(r.revisit_at, Math.floor((rnd() - 0.3) * 24 * 20)) }]);
  } else if (kind === 'call') {
    const t = pick([...records.tickets.values()].filter((x) => x.completed_at));
    const after = rnd() < 0.6 ? Math.floor(rnd() * 24 * 40) : 24 * 30 + Math.floor(rnd() * 24 * 70);
    await store(db, records, 'revisits', [{
      revisit_id: `HF-NEW-${records.revisits.size}`, ticket_id: t.ticket_id, revisit_at: shift(t.completed_at, after),
      reached: rnd() < 0.85, result: pick(['unsatisfied', 'neutral', null]),
    }]);
  } else if (kind === 'complaint') {
    const c = pick([...records.complaints.values()]);
    await store(db, records, 'complaints', [{ ...c, verified: rnd() < 0.8, responsible: pick(['technician', 'outlet']), ticket_id: rnd() < 0.8 ? c.ticket_id : pick([...records.tickets.keys()]), received_at: shift(c.received_at, Math.floor((rnd() - 0.5) * 24 * 30)) }]);
  } else {
    const v = pick([...records.violations.values()]);
    await store(db, records, 'violations', [{ ...v, technician_id: pick(TECHNICIANS), occurred_at: shift(v.occurred_at, Math.floor((rnd() - 0.5) * 24 * 60)) }]);
  }
}

/** A new appeal of a line (of any month, closed ones too), or a stored appeal decided again. */
async function randomAppeal(db: Db, records: Records, rnd: () => number): Promise<void> {
  const stored = [...records.appeal_records.values()];
  if (stored.length > 0 && rnd() < 0.4) {
    const again = stored[Math.floor(rnd() * stored.length)]!;
    await store(db, records, 'appeal_records', [{ ...appeal(rnd, String(again.appeal_id), String(again.line_id), Date.parse(`${String(again.submitted_at).replace(' ', 'T')}Z`)) }]);
    return;
  }
  const lines = (await db.all(`select line_id, month from int_penalty_lines order by line_id`)).map((r) => r);
  const line = lines[Math.floor(rnd() * lines.length)]!;
  const submitted = Date.parse(`${String(line.month)}-25T10:00:00Z`) + Math.floor(rnd() * 40) * DAY;
  await store(db, records, 'appeal_records', [appeal(rnd, `SS-NEW-${records.appeal_records.size}`, String(line.line_id), submitted)]);
}

describe('an incremental build', () => {
  it('adds a new month onto the history: rebuilds that month and the months its records touch, as a full build would', async () => {
    const config = testConfig();
    const { db, records, data } = await history(MONTHS.slice(0, 4), config);
    try {
      const orphansBefore = await db.value<number>(`select count(*) from data_orphans`);
      expect(orphansBefore).toBeGreaterThan(0);
      await storeExport(db, records, data.exports.get('2026-03')!);
      const stale = (await db.all(`select distinct month from stale_months order by month`)).map((r) => r.month);
      const result = await expectSameAsFullBuild(db, records, config);
      expect(result.full).toBe(false);
      expect(result.months).toEqual(expect.arrayContaining(stale));
      // the new month and the one before (its late calls, complaints and tickets); not the whole history
      expect(result.months).not.toContain('2025-11');
      expect(result.months).toContain('2026-03');
    } finally {
      db.close();
    }
  });

  it('loads the months one after the other, each build the same as a full build of what is loaded so far', async () => {
    const config = testConfig();
    const { db, records, data } = await history(MONTHS.slice(0, 1), config, 5);
    try {
      for (const m of MONTHS.slice(1)) {
        await storeExport(db, records, data.exports.get(m)!);
        const result = await expectSameAsFullBuild(db, records, config, { emptyTables: true });
        expect(result.full).toBe(false);
        expect(result.months).toContain(m);
      }
      // by the last month every new measure has something to compare
      for (const table of MODEL_TABLES.filter((t) => t !== 'data_orphans' && !ADJUSTMENT_TABLES.includes(t))) expect(await db.value<number>(`select count(*) from ${table}`), table).toBeGreaterThan(0);
      expect(await db.value<number>(`select count(*) from int_repeat_repairs where month > month_of(related_completed_at)`)).toBeGreaterThan(0);
      expect(await db.value<number>(`select sum(followup_month) from kpi_network_month`)).toBeGreaterThan(0);
      expect(await db.value<number>(`select sum(followup_week - followup_month) from kpi_network_month`)).toBeGreaterThan(0);
      expect(await db.value<number>(`select count(*) from settlement_lines where settlement_month > month_of(completed_at)`)).toBeGreaterThan(0);
      expect(await db.value<number>(`select count(*) from penalty_lines where rule_id = 'REPEAT_REPAIR'`)).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  }, 120_000);

  it('replaces records of old months, one change at a time, each reaching the months it feeds', async () => {
    const config = testConfig();
    const { db, records } = await history(MONTHS, config);
    const step = async (expectedMonths: string[]) => {
      const result = await expectSameAsFullBuild(db, records, config);
      expect(result.full).toBe(false);
      expect(result.months).toEqual(expect.arrayContaining(expectedMonths));
    };
    try {
      // a December ticket with a verified complaint received in February changes technician: the loader
      // marks only the ticket's months, yet the February complaint now counts against another technician
      const moved = [...records.tickets.values()].find((t) => t.status === 'completed' && month(t.created_at) === '2025-12' && month(t.completed_at) === '2025-12')!;
      await store(db, records, 'complaints', [{
        complaint_id: 'TS-LATE', ticket_id: moved.ticket_id, technician_id: null, outlet_id: null,
        received_at: '2026-02-10 10:00:00', category: 'skill', responsible: 'technician', verified: true,
      }]);
      await step(['2025-12', '2026-02']);
      await store(db, records, 'tickets', [{ ...moved, technician_id: TECHNICIANS.find((t) => t !== moved.technician_id) }]);
      expect(await db.all(`select month from stale_months`)).toEqual([{ month: '2025-12' }]);
      await step(['2025-12', '2026-02']);

      // a January violation for a technician fined in March: March's year-to-date count moves
      const finedInMarch = String(await db.value(`select technician_id from penalty_totals where month = '2026-03' order by violations_ytd desc, technician_id limit 1`));
      await store(db, records, 'violations', [{ violation_id: 'V-NEW', technician_id: finedInMarch, occurred_at: '2026-01-20 10:00:00', rule_id: 'IMAGE', amount: null, note: null }]);
      await step(['2026-01', '2026-02', '2026-03']);

      // a December call whose ticket is not loaded: an orphan; then the ticket arrives, created and
      // completed in November: the orphan's month is not among the marked ones, yet it is one no more
      await store(db, records, 'revisits', [{ revisit_id: 'HF-EARLY', ticket_id: 'GD-LATE', revisit_at: '2025-12-01 09:00:00', reached: true, result: 'unsatisfied', shoe_covers: false }]);
      await step(['2025-12']);
      expect(await db.all(`select record_id from data_orphans where ticket_id = 'GD-LATE'`)).toEqual([{ record_id: 'HF-EARLY' }]);
      await store(db, records, 'tickets', [{
        ticket_id: 'GD-LATE', outlet_id: 'W1', technician_id: 'T2', service_type: 'repair', created_at: '2025-11-27 09:00:00',
        appointment_start: '2025-11-28 10:00:00', appointment_end: '2025-11-28 12:00:00', arrived_at: '2025-11-28 11:00:00',
        completed_at: '2025-11-28 13:00:00', status: 'completed', fee_charged: 100, fee_standard: 100,
      }]);
      expect(await db.all(`select month from stale_months`)).toEqual([{ month: '2025-11' }]);
      await step(['2025-11', '2025-12']);
      expect(await db.all(`select record_id from data_orphans where ticket_id = 'GD-LATE'`)).toEqual([]);

      // a November call is unreached after all: November's coverage, December's rank changes
      const call = [...records.revisits.values()].find((r) => month(r.revisit_at) === '2025-11' && r.reached)!;
      await store(db, records, 'revisits', [{ ...call, reached: false }]);
      await step(['2025-11', '2025-12']);

      // a February ticket charged above the standard, with a verified overcharge complaint received in March
      const overcharged = [...records.tickets.values()].find((t) => month(t.completed_at) === '2026-02' && month(t.created_at) === '2026-02' && t.fee_charged === 100)!;
      await store(db, records, 'tickets', [{ ...overcharged, fee_charged: 180 }]);
      await store(db, records, 'complaints', [{
        complaint_id: 'TS-NEW', ticket_id: overcharged.ticket_id, technician_id: null, outlet_id: null,
        received_at: '2026-03-03 10:00:00', category: 'overcharge', responsible: 'technician', verified: true,
      }]);
      await step(['2026-02', '2026-03']);
      expect(await db.value(`select count(*) from outlet_penalty_lines where complaint_id = 'TS-NEW'`)).toBe(1);

      // a December violation moves to January: the year-to-date counts of both years
      const violation = [...records.violations.values()].find((v) => month(v.occurred_at) === '2025-12')!;
      await store(db, records, 'violations', [{ ...violation, occurred_at: '2026-01-15 10:00:00' }]);
      await step(['2025-12', '2026-01', '2026-02', '2026-03']);
    } finally {
      db.close();
    }
  }, 120_000);

  it('records for the publish, in its transaction, what each build rewrote under a new build id, and nothing when nothing was built', async () => {
    const config = testConfig();
    const { db, records, data } = await history(MONTHS.slice(0, 4), config);
    const pending = () => db.all(`select build_id, month from publish_pending order by build_id, month`);
    try {
      const first = await currentBuild(db);
      expect(first).toMatch(/^[0-9a-f-]{36}$/);
      expect(await pending()).toEqual([{ build_id: first, month: '*' }]);

      await storeExport(db, records, data.exports.get('2026-03')!);
      const result = await buildModels(db);
      const second = await currentBuild(db);
      expect(second).not.toBe(first);
      expect(result.full).toBe(false);
      // the months pending since the first build stay until a publish confirms them
      expect(await pending()).toEqual(
        [{ build_id: first, month: '*' }, ...result.months.map((month) => ({ build_id: second, month }))].sort((a, b) => a.build_id!.localeCompare(b.build_id!) || a.month.localeCompare(b.month)),
      );

      const before = await pending();
      expect(await buildModels(db)).toEqual({ full: false, months: [] });
      expect(await currentBuild(db)).toBe(second);
      expect(await pending()).toEqual(before);

      // a build that fails records nothing: its transaction is rolled back
      await store(db, records, 'violations', [{ violation_id: 'V-FAIL', technician_id: 'T1', occurred_at: '2026-02-02 10:00:00', rule_id: 'IMAGE', amount: null, note: null }]);
      const stopAt = (name: string) => {
        if (name === 'penalty_totals') throw new Error('stopped in the build');
      };
      await expect(buildModels(db, stopAt)).rejects.toThrow('stopped in the build');
      expect(await currentBuild(db)).toBe(second);
      expect(await pending()).toEqual(before);
      expect(await db.all(`select distinct month from stale_months`)).toEqual([{ month: '2026-02' }]);
    } finally {
      db.close();
    }
  });

  it("rebuilds in full when stale_months holds '*' (technicians or outlets changed)", async () => {
    const config = testConfig();
    const { db, records } = await history(MONTHS, config);
    try {
      await store(db, records, 'technicians', [{ technician_id: 'T1', name: 'Tech 0', outlet_id: 'W3', status: 'left' }, { technician_id: 'T9', name: 'Tech 9', outlet_id: 'W2', status: 'active' }]);
      await store(db, records, 'outlets', [{ outlet_id: 'W2', name: 'Outlet 1', tier: 'service_center', city: 'Qingdao' }]);
      expect(await db.all(`select distinct month from stale_months`)).toEqual([{ month: '*' }]);
      const result = await expectSameAsFullBuild(db, records, config);
      expect(result.full).toBe(true);
      expect(result.months).toEqual(expect.arrayContaining(MONTHS));
    } finally {
      db.close();
    }
  });

  it('builds nothing when nothing is stale, and in full when the config changed', async () => {
    const config = testConfig();
    const { db, records } = await history(MONTHS, config);
    try {
      const before = await modelTables(db);
      expect(await buildModels(db)).toEqual({ full: false, months: [] });
      expect(await modelTables(db)).toEqual(before);

      config.ranking.technician_min_tickets = 6;
      config.penalty_rules = config.penalty_rules.map((r) => (r.rule_id === 'IMAGE' ? { ...r, amount: 25 } : r));
      await applyConfig(db, config);
      const result = await expectSameAsFullBuild(db, records, config);
      expect(result.full).toBe(true);
    } finally {
      db.close();
    }
  });

  it('leaves every table as it was when a full build stops after its staged outcomes are made, and the next build drops them', async () => {
    const config = testConfig();
    const { db, records } = await history(MONTHS, config);
    try {
      const before = await modelTables(db);
      const build = await currentBuild(db);
      // a shorter revisit window changes the outcomes (covered) of a full build
      config.revisit.window_hours = 1;
      await applyConfig(db, config);
      const stopAt = (name: string) => {
        if (name === 'int_followups') throw new Error('stopped in the build');
      };
      await expect(buildModels(db, stopAt)).rejects.toThrow('stopped in the build');
      expect(await modelTables(db)).toEqual(before);
      expect(await currentBuild(db)).toBe(build);
      // the staged outcomes were made (outside the transaction) with the new window, and are left behind
      const staged = await db.value<number>(`select count(*) from int_ticket_outcomes__staged where covered`);
      expect(staged).toBeLessThan(await db.value<number>(`select count(*) from int_ticket_outcomes where covered`));

      const result = await expectSameAsFullBuild(db, records, config);
      expect(result.full).toBe(true);
      expect(await db.value(`select count(*) from duckdb_tables() where table_name like '%__staged'`)).toBe(0);
    } finally {
      db.close();
    }
  });

  it('matches a full build after each of several rounds of random changes across all months', async () => {
    const config = testConfig();
    const { db, records } = await history(MONTHS, config, 11);
    const rnd = random(23);
    try {
      for (let round = 0; round < 5; round++) {
        for (let change = 0; change < 7; change++) await randomChange(db, records, rnd);
        const result = await expectSameAsFullBuild(db, records, config);
        expect(result.full).toBe(false);
      }
    } finally {
      db.close();
    }
  }, 120_000);

  it('matches a full build with the same closes after rounds of random changes with closes and appeals among them', async () => {
    const config = testConfig();
    const { db, records } = await history(MONTHS, config, 11);
    const rnd = random(29);
    try {
      // a first close, so that every round has closed months to change
      expect(await closeNext(db, '2026-03')).toBe('2025-11');
      for (let round = 0; round < 6; round++) {
        for (let change = 0; change < 8; change++) await randomChange(db, records, rnd, '2026-03');
        const result = await expectSameAsFullBuild(db, records, config);
        expect(result.full).toBe(false);
      }
      // the rounds closed more months, changed closed ones (adjustments of each kind) and decided appeals of both
      expect(await db.value<number>(`select count(*) from month_closes`)).toBeGreaterThan(1);
      const reasons = (await db.all(`select distinct reason from penalty_adjustments union select distinct reason from settlement_adjustments order by 1`)).map((r) => r.reason);
      expect(reasons).toEqual(['amount_changed', 'appeal', 'line_gone', 'new_line']);
      expect(await db.value<number>(`select count(*) from appeals where standing and line_closed`)).toBeGreaterThan(0);
      expect(await db.value<number>(`select count(*) from penalty_lines where appeal_decision = 'waived' and month > (select max(month) from month_closes)`)).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  }, 240_000);

  it('loads the months one after the other with a close before each, each build the same as a full build with the same closes', async () => {
    const config = testConfig();
    const { db, records, data } = await history(MONTHS.slice(0, 1), config, 5);
    try {
      for (const m of MONTHS.slice(1)) {
        // the month before is closed, then its export arrives with records of the months closed
        expect(await closeNext(db, m)).toBe(MONTHS[MONTHS.indexOf(m) - 1]);
        await storeExport(db, records, data.exports.get(m)!);
        const result = await expectSameAsFullBuild(db, records, config, { emptyTables: true });
        expect(result.full).toBe(false);
      }
      expect((await db.all(`select month from month_closes order by month`)).map((r) => r.month)).toEqual(MONTHS.slice(0, -1));
      // late records of closed months became adjustments; appeals that came before their line's ticket count
      expect(await db.value<number>(`select count(*) from penalty_adjustments`)).toBeGreaterThan(0);
      expect(await db.value<number>(`select count(*) from settlement_adjustments`)).toBeGreaterThan(0);
      expect(await db.value<number>(`select count(*) from appeals`)).toBeGreaterThan(0);
      expect(await db.value<number>(`select count(*) from int_appeal_checks where problem = 'unknown_line'`)).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  }, 240_000);
});
