// The months an incremental build rewrites, handed to the SQL as the build_* variables that the
// macros in_build_months and friends read, and the month arithmetic that finds them.
// build_repeat_months: the months of the repairs whose repeat links a changed ticket can move (its
// own months and the repeat window after them, variable repeat_window_days, set by the config).
// build_adjusted_months: the closed months whose adjustments are worked out again (the months built,
// and those a settlement line moved from or to, added as the build finds them: setAdjustedMonths).
// closed_through: the latest closed month ('' when none; month_closes), adjustment_month: the month
// after it, where adjustments are booked (null when none).
import type { Db } from '../common/db.ts';

export const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface Scoping {
  full: boolean;
  /** the months of the records that changed */
  changed: string[];
  /** the months whose KPI and penalty rows are rewritten */
  months: string[];
  /** those plus the later months of their years (year-to-date totals) */
  yearMonths: string[];
}

export async function setScope(db: Db, scope: Scoping): Promise<void> {
  await db.connection.run(`set variable build_full = $1::boolean`, [scope.full]);
  await setCloseVariables(db);
  await setAdjustedMonths(db, scope.months);
  for (const [name, months] of [['build_changed_months', scope.changed], ['build_months', scope.months], ['build_year_months', scope.yearMonths]] as const) {
    // months are checked against MONTH before they get here; still passed as a parameter
    await db.connection.run(`set variable ${name} = case when $1 = '' then []::varchar[] else string_split($1, ',') end`, [months.join(',')]);
  }
  const earliest = scope.months[0] ?? scope.changed[0];
  await db.run(`set variable build_from = ${earliest ? monthStart(earliest) : `'-infinity'::timestamp`}`);
  await db.run(`
    set variable build_repeat_months = (
      select coalesce(list(distinct month_of(reached)), []::varchar[])
      from (
        select unnest(generate_series(
          month_start,
          month_start + interval 1 month + days_interval(getvariable('repeat_window_days')),
          interval 1 month
        )) as reached
        from (select strptime(changed || '-01', '%Y-%m-%d') as month_start from unnest(getvariable('build_changed_months')) as months(changed))
      )
    )`);
}

/** closed_through and adjustment_month, from month_closes: for the build and the invariants. */
export async function setCloseVariables(db: Db): Promise<void> {
  const closed = await closedThrough(db);
  await db.connection.run(`set variable closed_through = $1::varchar`, [closed]);
  await db.connection.run(`set variable adjustment_month = $1::varchar`, [closed === '' ? null : monthAfter(closed)]);
}

/** The closed months whose adjustments an incremental build works out again (build_adjusted_months). */
export async function setAdjustedMonths(db: Db, months: string[]): Promise<void> {
  await db.connection.run(`set variable build_adjusted_months = case when $1 = '' then []::varchar[] else string_split($1, ',') end`, [months.join(',')]);
}

/** The latest closed month ('' when none): every month up to it is closed (month_closes). */
export async function closedThrough(db: Db): Promise<string> {
  const found = await db.value<number>(`select count(*) from duckdb_tables() where database_name = current_database() and schema_name = 'main' and table_name = 'month_closes'`);
  if (found === 0) return '';
  return (await db.value<string | null>(`select max(month) from month_closes`)) ?? '';
}

/** A checked 'YYYY-MM' month as the SQL timestamp of its first moment. */
export function monthStart(month: string): string {
  if (!MONTH.test(month)) throw new Error(`not a month: ${month}`);
  return `timestamp '${month}-01 00:00:00'`;
}

export function monthAfter(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

export function laterMonthsOfYear(month: string): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return Array.from({ length: 12 - m }, (_, i) => `${y}-${String(m + 1 + i).padStart(2, '0')}`);
}

/** The month of the latest record that can place a row in a month. */
export async function latestMonth(db: Db): Promise<string> {
  const latest = await db.value<string | null>(`
    select month_of(greatest(
      (select max(completed_at) from stg_tickets),
      (select max(received_at) from stg_complaints),
      (select max(occurred_at) from stg_violations)
    ))`);
  return latest ?? '';
}
