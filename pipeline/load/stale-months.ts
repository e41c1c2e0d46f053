// Which months an input leaves out of date (the table stale_months, read by the model build to
// rebuild only those): the months of each row stored or replaced, its ticket's completion month
// for a revisit or a complaint, the month of the penalty line an appeal names, or '*' (every
// month). Written in the load's own transaction.
import { sqlIdent, sqlString, type Db } from '../common/db.ts';
import type { KindDef } from './kinds.ts';

/**
 * How the load marks the months it leaves out of date (stale_months): by the months of each row
 * it stores or replaces, or, when the next model build rebuilds every month anyway (there has been
 * no build yet, or a run already marked '*'), by '*' once: working out the months of ten million
 * rows, and their tickets' months, would then be time spent for nothing.
 */
export type StaleMonthsMarking = 'by_row' | 'every_month';

/**
 * Starts the marking of a load: the tickets its revisits and complaints touch are gathered in
 * touched_tickets (see markTicketMonths), and '*' is marked at once when the next build rebuilds
 * every month anyway.
 */
export async function startMarking(db: Db): Promise<StaleMonthsMarking> {
  await db.run(`create or replace temp table touched_tickets (ticket_id varchar)`);
  await db.run(`create or replace temp table touched_lines (line_id varchar)`);
  const everyMonth = await db.value<number>(`select count(*) from stale_months where month = '*'`);
  if (everyMonth === 0 && (await buildHasRun(db))) return 'by_row';
  await markEveryMonthStale(db);
  return 'every_month';
}

// the table in which the model build records its builds: the load stage only asks whether it
// exists (from the catalogue), it does not call the build stage
const BUILD_STATE_TABLE = 'model_build_state';

/** Whether a model build has run on this database. */
async function buildHasRun(db: Db): Promise<boolean> {
  const found = await db.value<number>(
    `select count(*) from duckdb_tables() where database_name = current_database() and schema_name = 'main' and table_name = $1`,
    [BUILD_STATE_TABLE],
  );
  return found > 0;
}

/**
 * The months the valid rows of typed_rows leave out of date, and those of the stored rows they
 * replace (replaced_rows, when there are any). A revisit's or complaint's ticket is gathered in
 * touched_tickets: the tickets' months are looked up once, when every file is loaded.
 */
export async function markRowMonths(db: Db, kind: KindDef, marking: StaleMonthsMarking, replacedRows: boolean): Promise<void> {
  const months = STALE_MONTHS[kind.kind] ?? 'all';
  if (marking === 'every_month') return; // '*' is marked already (startMarking)
  if (months === 'all') {
    await markEveryMonthStale(db);
    return;
  }
  // The valid rows' months are taken (a repeat or a stale version among them only adds a month
  // that is rebuilt for nothing): one scan of the typed rows. Their tickets' months are looked
  // up once, when every file is loaded (markTicketMonths): one pass over the stored tickets per
  // run, not per file.
  // (a scan per timestamp column, each of one column; unnest() of a list per row cost far more)
  const from = (rows: string) => months.own.map((c) => `select distinct date_trunc('month', ${sqlIdent(c)}) from ${rows}`).join(' union ');
  if (months.ticket) {
    await db.run(`insert into touched_tickets select distinct ticket_id from typed_rows where problem is null${replacedRows ? ' union select ticket_id from replaced_rows' : ''}`);
  }
  if (months.line) {
    await db.run(`insert into touched_lines select distinct line_id from typed_rows where problem is null${replacedRows ? ' union select line_id from replaced_rows' : ''}`);
  }
  await db.run(`
      insert into stale_months
      select distinct month_of(m) as month
      from (${from(`typed_rows where problem is null`)}${replacedRows ? `\n      union ${from('replaced_rows')}` : ''}) as months(m)
      where m is not null and month_of(m) not in (select month from stale_months)`);
}

/** Ends the marking of a load: the completion months of the tickets its revisits and complaints touch. */
export async function finishMarking(db: Db, marking: StaleMonthsMarking): Promise<void> {
  if (marking !== 'by_row') return;
  await markTicketMonths(db);
  await markLineMonths(db);
}

async function markEveryMonthStale(db: Db): Promise<void> {
  await db.run(`insert into stale_months select '*' where not exists (select 1 from stale_months where month = '*')`);
}

/** A revisit or complaint also leaves its ticket's completion month out of date (stale_months). */
async function markTicketMonths(db: Db): Promise<void> {
  await db.run(`
    insert into stale_months
    select distinct month_of(completed_month) as month
    from (
      select distinct date_trunc('month', tickets.completed_at) as completed_month
      from tickets where tickets.ticket_id in (select ticket_id from touched_tickets)
    )
    where completed_month is not null and month_of(completed_month) not in (select month from stale_months)`);
}

// the tables of penalty lines the build leaves (recomputed, and frozen by a close): the load stage
// reads them by name to find the month of the line an appeal names, it does not call the build
const LINE_TABLES = ['int_penalty_lines', 'frozen_penalty_lines'];

/**
 * An appeal leaves the month of the line it names out of date (its effect on the line, or the
 * adjustment of a closed month). A line not built yet has no month: the appeal counts once its line
 * is built, in the month its records mark. Without those tables (a database of an older build) the
 * next build is full anyway: '*'.
 */
async function markLineMonths(db: Db): Promise<void> {
  if ((await db.value<number>(`select count(*) from touched_lines`)) === 0) return;
  const found = await db.value<number>(
    `select count(*) from duckdb_tables() where database_name = current_database() and schema_name = 'main' and table_name in (${LINE_TABLES.map(sqlString).join(', ')})`,
  );
  if (found < LINE_TABLES.length) {
    await markEveryMonthStale(db);
    return;
  }
  await db.run(`
    insert into stale_months
    select distinct lines.month
    from (${LINE_TABLES.map((t) => `select line_id, month from ${t}`).join(' union all ')}) as lines
    semi join touched_lines on touched_lines.line_id = lines.line_id
    where lines.month not in (select month from stale_months)`);
}

/**
 * The months a record counts in (contract of stale_months in schema.sql): those of its own
 * timestamps, and for a revisit or complaint its ticket's completion month; technicians and
 * outlets count in every month.
 */
const STALE_MONTHS: Record<string, { own: string[]; ticket?: boolean; line?: boolean } | 'all'> = {
  tickets: { own: ['created_at', 'completed_at'] },
  revisits: { own: ['revisit_at'], ticket: true },
  complaints: { own: ['received_at'], ticket: true },
  violations: { own: ['occurred_at'] },
  technicians: 'all',
  outlets: 'all',
  // the month it was submitted (a month is marked for every row stored), and its line's month
  appeals: { own: ['submitted_at'], line: true },
};
