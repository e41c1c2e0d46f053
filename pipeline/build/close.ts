// Closing a month (spec 6.2): the lines and totals of the month, and of the months before it that
// the close order let pass (no lines), are copied as they are into the frozen_* tables, with the
// adjustments booked into the month, and month_closes gets its row with a sha256 over the month's
// frozen lines (canonicalLines: the form README.md documents, so that anyone can verify a statement).
// All in one transaction; the caller builds the tables first (so that what is frozen is what the
// records give now) and after (the overlay of the months closed, the adjustments' new month): see
// pipeline/close.ts. Every later build shows the frozen rows for closed months and books what
// changed in them in the first open month (queries/intermediate/int_*_adjustments.sql).
import { createHash } from 'node:crypto';
import type { Db, Row } from '../common/db.ts';
import { killPoint } from '../common/faults.ts';
import { closedThrough, MONTH } from './scope.ts';

export class CloseError extends Error {}

/** A month_closes row. */
export interface MonthClose {
  month: string;
  closed_at: string;
  closed_by: string;
  lines: number;
  amount: number;
  adjustments: number;
  amount_due: number;
  outlet_fine_lines: number;
  outlet_fines: number;
  settlement_lines: number;
  settlement_fees: number;
  settlement_adjustments: number;
  hashed_lines: number;
  sha256: string;
}

/** Each frozen table and the contract table (and month column) it is copied from. */
const FROZEN: { frozen: string; from: string; month: string }[] = [
  { frozen: 'frozen_penalty_lines', from: 'penalty_lines', month: 'month' },
  { frozen: 'frozen_penalty_totals', from: 'penalty_totals', month: 'month' },
  { frozen: 'frozen_outlet_penalty_lines', from: 'outlet_penalty_lines', month: 'month' },
  { frozen: 'frozen_settlement_lines', from: 'settlement_lines', month: 'settlement_month' },
  { frozen: 'frozen_settlement_totals', from: 'settlement_totals', month: 'month' },
  { frozen: 'frozen_penalty_adjustments', from: 'int_penalty_adjustments', month: 'month' },
  { frozen: 'frozen_settlement_adjustments', from: 'int_settlement_adjustments', month: 'month' },
];

/**
 * Closes a month in one transaction: checks the order, freezes, records the close and marks the
 * months closed out of date (the next build overlays them and republishes them). Throws a
 * CloseError, changing nothing, for a month closed already, out of order, or without data.
 */
export async function freezeMonth(db: Db, month: string, by: string, closedAt: string): Promise<MonthClose> {
  if (!MONTH.test(month)) throw new CloseError(`${month} is not a month: give it as YYYY-MM`);
  return db.transaction(async () => {
    const closed = await closedThrough(db);
    await checkCloseable(db, month, closed);
    for (const { frozen, from, month: column } of FROZEN) {
      const columns = (await db.all(`select column_name from duckdb_columns() where database_name = current_database() and table_name = $1 order by column_index`, [frozen]))
        .map((r) => `"${String(r.column_name)}"`).join(', ');
      await db.connection.run(`insert into ${frozen} by name select ${columns} from ${from} where ${column} > $1 and ${column} <= $2`, [closed, month]);
    }
    // the adjustments booked so far are the month's now, frozen with it; the next ones go to the month after
    await db.run(`delete from int_penalty_adjustments`);
    await db.run(`delete from int_settlement_adjustments`);
    const row = await closeRow(db, month, by, closedAt);
    const values = Object.values(row) as (string | number)[];
    await db.connection.run(`insert into month_closes (${Object.keys(row).join(', ')}) values (${values.map((_, i) => `$${i + 1}`).join(', ')})`, values);
    // the months closed now: the next build shows their frozen rows, and they are published again
    await db.connection.run(
      `insert into stale_months select distinct month from (${MONTH_DATA}) where month > $1 and month <= $2 and month not in (select month from stale_months)`,
      [closed, month],
    );
    killPoint('close:frozen');
    return row;
  });
}

/**
 * Months close in order: not one closed already or before the latest closed one, not one without
 * data, and only when no month between the latest closed one and it has lines (penalty, outlet
 * fine, settlement, or adjustments booked).
 */
async function checkCloseable(db: Db, month: string, closed: string): Promise<void> {
  const done = await db.all(`select closed_at::varchar as closed_at, closed_by from month_closes where month = $1`, [month]);
  if (done.length > 0) throw new CloseError(`${month} is closed already (closed ${String(done[0]!.closed_at)} by ${String(done[0]!.closed_by)}); a closed month is final`);
  if (month <= closed) throw new CloseError(`${month} is before the latest closed month ${closed}: months close in order, and a closed month is final`);
  const data = await db.value<number>(`select count(*) from (${MONTH_DATA}) where month = $1`, [month]);
  if (data === 0) throw new CloseError(`${month} has no data to close: no KPIs, penalty lines, outlet fines, settlement lines or adjustments`);
  const open = await db.value<string | null>(`select min(month) from (${MONTH_LINES}) where month > $1 and month < $2`, [closed, month]);
  if (open !== null) throw new CloseError(`${open} has lines and is not closed: close it first (months close in order)`);
}

// the months with lines of any kind, adjustments included
const MONTH_LINES = `
  select month from penalty_lines
  union all select month from outlet_penalty_lines
  union all select settlement_month from settlement_lines
  union all select month from penalty_adjustments
  union all select month from settlement_adjustments`;
// the months with anything to show
const MONTH_DATA = `${MONTH_LINES}
  union all select month from kpi_network_month
  union all select month from penalty_totals
  union all select month from settlement_totals`;

/** The close's row: the month's counts and sums, and the hash of its frozen lines. */
async function closeRow(db: Db, month: string, by: string, closedAt: string): Promise<MonthClose> {
  const sums = (await db.all(
    `select
      (select count(*) from frozen_penalty_lines where month = $1) as lines,
      (select coalesce(sum(amount), 0)::double from frozen_penalty_lines where month = $1) as amount,
      (select coalesce(sum(amount), 0)::double from frozen_penalty_adjustments where month = $1) as adjustments,
      (select count(*) from frozen_outlet_penalty_lines where month = $1) as outlet_fine_lines,
      (select coalesce(sum(amount), 0)::double from frozen_outlet_penalty_lines where month = $1) as outlet_fines,
      (select count(*) from frozen_settlement_lines where settlement_month = $1) as settlement_lines,
      (select coalesce(sum(fee), 0)::double from frozen_settlement_lines where settlement_month = $1) as settlement_fees,
      (select coalesce(sum(net_effect), 0)::double from frozen_settlement_adjustments where month = $1) as settlement_adjustments`,
    [month],
  ))[0]!;
  const lines = await canonicalLines(db, month);
  const cents = (v: unknown) => Math.round(Number(v) * 100) / 100;
  return {
    month,
    closed_at: closedAt,
    closed_by: by,
    lines: Number(sums.lines),
    amount: cents(sums.amount),
    adjustments: cents(sums.adjustments),
    amount_due: cents(Number(sums.amount) + Number(sums.adjustments)),
    outlet_fine_lines: Number(sums.outlet_fine_lines),
    outlet_fines: cents(sums.outlet_fines),
    settlement_lines: Number(sums.settlement_lines),
    settlement_fees: cents(sums.settlement_fees),
    settlement_adjustments: cents(sums.settlement_adjustments),
    hashed_lines: lines.length,
    sha256: hashLines(lines),
  };
}

/**
 * The month's frozen lines in the canonical form the hash is taken over (README.md, "Closing a
 * month"): one CSV record per line, `table,line_id,party_id,rule_id,original_month,reason,amount`,
 * from penalty_lines (party: the technician; original_month: the month; reason empty),
 * outlet_penalty_lines (the outlet; rule OUTLET_OVERCHARGE), settlement_lines (the outlet; rule
 * SETTLE; the fee), and the adjustments booked into the month, penalty_adjustments and
 * settlement_adjustments (their original month and reason); amounts with two decimals, a field
 * holding a comma, a quote or a line break quoted.
 */
export async function canonicalLines(db: Db, month: string): Promise<string[]> {
  const rows = await db.all(
    `select 'penalty_lines' as source, line_id, technician_id as party_id, rule_id, month as original_month, null as reason, amount::varchar as amount
     from frozen_penalty_lines where month = $1
     union all
     select 'outlet_penalty_lines', line_id, outlet_id, 'OUTLET_OVERCHARGE', month, null, amount::varchar
     from frozen_outlet_penalty_lines where month = $1
     union all
     select 'settlement_lines', line_id, outlet_id, 'SETTLE', settlement_month, null, fee::varchar
     from frozen_settlement_lines where settlement_month = $1
     union all
     select 'penalty_adjustments', line_id, technician_id, rule_id, original_month, reason, amount::varchar
     from frozen_penalty_adjustments where month = $1
     union all
     select 'settlement_adjustments', line_id, outlet_id, rule_id, original_month, reason, amount::varchar
     from frozen_settlement_adjustments where month = $1`,
    [month],
  );
  return rows.map(canonicalRecord).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

const FIELDS = ['source', 'line_id', 'party_id', 'rule_id', 'original_month', 'reason', 'amount'];

function canonicalRecord(row: Row): string {
  return FIELDS.map((f) => csvField(row[f] === null || row[f] === undefined ? '' : String(row[f]))).join(',') + '\n';
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** sha256 (hex) of the records, each ending in a line feed, in UTF-8. */
export function hashLines(records: string[]): string {
  const hash = createHash('sha256');
  for (const record of records) hash.update(record, 'utf8');
  return hash.digest('hex');
}
