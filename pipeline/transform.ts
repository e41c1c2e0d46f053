// Builds the KPI and penalty tables from the stored records, layer by layer (staging views,
// intermediate and mart tables), each from its SQL file under queries/. Config values reach the
// SQL as DuckDB variables and config tables set through prepared statements, never pasted in.
//
// A build is full (every table made anew) or incremental: the loader lists in stale_months the
// months its records changed, and only the rows of the months those feed are deleted and built
// again. Each SQL file reads its scope from the build_* variables (macros in_build_months and
// friends), so the same file serves both.
import { createHash, randomUUID } from 'node:crypto';
import type { Config } from './config.ts';
import { Db, sqlFile } from './db.ts';
import { recordBuild } from './publish-state.ts';

/**
 * The rows of a table that an incremental build rewrites, as a SQL condition that must select
 * exactly the rows the model's SQL file produces in that build:
 * - months: the months being built (build_months)
 * - completion_months: the same for rows placed by completed_at
 * - year_months: those plus the later months of their years (year-to-date totals)
 * - changed_records: records of the changed months, or about a changed ticket
 * - orphans: orphans of the changed months, and those whose ticket is now loaded
 */
type Scope = 'months' | 'completion_months' | 'year_months' | 'changed_records' | 'orphans';

interface Model {
  name: string;
  file: string;
  materialized: 'view' | 'table';
  scope?: Scope;
  /** a column that identifies a row: given for the large tables, whose unchanged rows an incremental build leaves in place */
  key?: string;
}

export const MODELS: Model[] = [
  { name: 'stg_tickets', file: 'staging/stg_tickets.sql', materialized: 'view' },
  { name: 'stg_revisits', file: 'staging/stg_revisits.sql', materialized: 'view' },
  { name: 'stg_complaints', file: 'staging/stg_complaints.sql', materialized: 'view' },
  { name: 'stg_violations', file: 'staging/stg_violations.sql', materialized: 'view' },
  { name: 'stg_technicians', file: 'staging/stg_technicians.sql', materialized: 'view' },
  { name: 'stg_outlets', file: 'staging/stg_outlets.sql', materialized: 'view' },
  // first: the months whose credits moved join the months to build (see buildIncremental)
  { name: 'int_complaint_credits', file: 'intermediate/int_complaint_credits.sql', materialized: 'table', scope: 'changed_records' },
  { name: 'int_ticket_outcomes', file: 'intermediate/int_ticket_outcomes.sql', materialized: 'table', scope: 'completion_months', key: 'ticket_id' },
  { name: 'int_ticket_counts', file: 'intermediate/int_ticket_counts.sql', materialized: 'table', scope: 'months' },
  { name: 'int_month_measures', file: 'intermediate/int_month_measures.sql', materialized: 'table', scope: 'months' },
  { name: 'kpi_technician_month', file: 'marts/kpi_technician_month.sql', materialized: 'table', scope: 'months' },
  { name: 'kpi_outlet_month', file: 'marts/kpi_outlet_month.sql', materialized: 'table', scope: 'months' },
  { name: 'kpi_network_month', file: 'marts/kpi_network_month.sql', materialized: 'table', scope: 'months' },
  { name: 'penalty_lines', file: 'marts/penalty_lines.sql', materialized: 'table', scope: 'months' },
  { name: 'penalty_totals', file: 'marts/penalty_totals.sql', materialized: 'table', scope: 'year_months' },
  { name: 'outlet_penalty_lines', file: 'marts/outlet_penalty_lines.sql', materialized: 'table', scope: 'months' },
  { name: 'data_orphans', file: 'marts/data_orphans.sql', materialized: 'table', scope: 'orphans' },
];

const CHANGED_TICKETS = 'select ticket_id from build_changed_tickets';
const SCOPE_ROWS: Record<Scope, string> = {
  months: 'in_build_months(month)',
  // the same, for ticket rows: their completion time lets the scan skip the blocks of earlier months
  completion_months: 'in_build_reach(completed_at) and in_build_months(month)',
  year_months: 'in_build_year_months(month)',
  changed_records: `in_build_changed_months(month) or ticket_id in (${CHANGED_TICKETS})`,
  orphans: `in_build_changed_months(month_of(event_at)) or ticket_id in (${CHANGED_TICKETS})`,
};

/**
 * Where the build keeps what it needs to know next time: the fingerprint of what the tables were
 * built with, and the id of the build (a new one whenever the tables change; the manifest names the
 * build it was published from, see publish-state.ts).
 */
export const BUILD_STATE_TABLE = 'model_build_state';
/** Raise when the build logic here changes in a way the SQL texts do not show: the next build is then full. */
// 2: the build id and the publish state
const BUILD_LOGIC_VERSION = 2;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface BuildResult {
  /** every table was made anew */
  full: boolean;
  /** the months whose rows were rewritten (after a full build: every month in the tables), sorted */
  months: string[];
}

const CONFIG_VARIABLES = [
  'revisit_window_hours', 'grace_minutes', 'reschedule_notice_minutes', 'technician_min_tickets', 'outlet_min_tickets',
  'weight_revisit_coverage', 'weight_satisfied_rate', 'weight_on_time_rate', 'weight_complaints', 'complaint_rate_scale',
  'training_violations_per_month', 'training_violations_per_year', 'outlet_overcharge_multiplier',
] as const;

/** Makes the config visible to the SQL: scalar values as variables, the schedule and windows as tables. */
export async function applyConfig(db: Db, config: Config): Promise<void> {
  const variables: Record<(typeof CONFIG_VARIABLES)[number], number> = {
    revisit_window_hours: config.revisit.window_hours,
    grace_minutes: config.on_time.grace_minutes,
    reschedule_notice_minutes: config.on_time.reschedule_notice_minutes,
    technician_min_tickets: config.ranking.technician_min_tickets,
    outlet_min_tickets: config.ranking.outlet_min_tickets,
    weight_revisit_coverage: config.ranking.composite_weights.revisit_coverage,
    weight_satisfied_rate: config.ranking.composite_weights.satisfied_rate,
    weight_on_time_rate: config.ranking.composite_weights.on_time_rate,
    weight_complaints: config.ranking.composite_weights.complaints,
    complaint_rate_scale: config.ranking.complaint_rate_scale,
    training_violations_per_month: config.escalation.training_violations_per_month,
    training_violations_per_year: config.escalation.training_violations_per_year,
    outlet_overcharge_multiplier: config.outlet_overcharge_multiplier,
  };
  for (const [name, value] of Object.entries(variables)) {
    // names are ours; values go in as typed parameters
    await db.connection.run(`set variable ${name} = $1::double`, [value]);
  }

  await db.run(`
    create or replace table cfg_penalty_rules (
      rule_id varchar, name_zh varchar, name_en varchar, amount decimal(18, 2),
      dismissal boolean, dismissal_when_repeated boolean, enabled boolean
    )`);
  for (const r of config.penalty_rules) {
    await db.connection.run(`insert into cfg_penalty_rules values ($1, $2, $3, $4::decimal(18, 2), $5, $6, $7)`, [
      r.rule_id, r.name_zh, r.name_en, r.amount, r.dismissal, r.dismissal_when_repeated, r.enabled,
    ]);
  }
  await db.run(`create or replace table cfg_revisit_windows (service_type varchar, window_hours double)`);
  for (const [serviceType, hours] of Object.entries(config.revisit.window_hours_by_service_type)) {
    await db.connection.run(`insert into cfg_revisit_windows values ($1, $2::double)`, [serviceType, hours]);
  }
}

/**
 * Brings the KPI and penalty tables up to date with the stored records, in one transaction: a
 * failed or killed run leaves the previous tables intact. Full when there are no tables yet, when
 * stale_months holds '*' (or a value that is no month), when the config or the SQL differs from
 * the last build's, or when rows were loaded that no month was marked for; otherwise only the
 * months stale_months names and the later months they feed. Nothing stale: nothing is built.
 * stale_months is emptied in the same transaction, and the months rewritten are recorded for the
 * publish (publish_pending) under the new build id.
 */
export async function buildModels(db: Db, onModel: (name: string, ms: number) => void = () => {}): Promise<BuildResult> {
  return db.transaction(async () => {
    const fingerprint = await buildFingerprint(db);
    const state = await previousBuild(db);
    const hasStaleTable = (await tableNames(db)).has('stale_months');
    const stale = hasStaleTable ? (await db.all(`select distinct month from stale_months`)).map((r) => String(r.month)) : [];
    const lastBatch = await loadedBatch(db);
    const full =
      state === undefined ||
      state.fingerprint !== fingerprint ||
      !(await modelsExist(db)) ||
      stale.some((m) => !MONTH.test(m)) ||
      // rows loaded by a loader that marks no months: only a full build is sure to see them
      (stale.length === 0 && lastBatch > state.lastBatch);
    let result: BuildResult;
    if (full) {
      result = await buildFull(db, onModel);
    } else if (stale.length === 0) {
      result = { full: false, months: [] };
    } else {
      result = await buildIncremental(db, stale.sort(), onModel);
    }
    if (hasStaleTable) await db.run(`delete from stale_months`);
    if (full || stale.length > 0) {
      const buildId = randomUUID();
      await db.run(`create or replace table ${BUILD_STATE_TABLE} (fingerprint varchar, last_batch_id bigint, built_at timestamp, build_id varchar)`);
      await db.connection.run(`insert into ${BUILD_STATE_TABLE} values ($1, $2, localtimestamp, $3)`, [fingerprint, lastBatch, buildId]);
      await recordBuild(db, buildId, result.full ? ['*'] : result.months);
    }
    await db.run(`drop table if exists build_changed_tickets`);
    await db.run(`drop table if exists build_previous_credits`);
    return result;
  });
}

async function buildFull(db: Db, onModel: (name: string, ms: number) => void): Promise<BuildResult> {
  await setScope(db, { full: true, changed: [], months: [], yearMonths: [] });
  await db.run(`create or replace temp table build_changed_tickets (ticket_id varchar)`);
  for (const model of MODELS) {
    const started = performance.now();
    await db.run(`create or replace ${model.materialized} ${model.name} as\n${sqlFile(model.file)}`);
    onModel(model.name, performance.now() - started);
  }
  const months = await db.all(`
    select month from kpi_network_month
    union select month from penalty_lines
    union select month from outlet_penalty_lines
    order by month`);
  return { full: true, months: months.map((r) => String(r.month)) };
}

/**
 * Rewrites the rows of the months the changed records feed. The loader names the months of every
 * record it inserted or replaced (`changed`). A ticket's change reaches its complaints in other
 * months (whom they are credited to), so the credits of the changed tickets are built first and the
 * months whose credits moved join in. Then the month after each (rank change, TOP_COMPLAINT_RATE
 * repeated), then the later months of the same years (year-to-date totals and escalation).
 */
async function buildIncremental(db: Db, changed: string[], onModel: (name: string, ms: number) => void): Promise<BuildResult> {
  await setScope(db, { full: false, changed, months: changed, yearMonths: changed });
  const from = monthStart(changed[0]!);
  // the tickets created in a changed month: every inserted or replaced ticket is among them, as the
  // loader marks a ticket's created month
  await db.run(`
    create or replace temp table build_changed_tickets as
    select ticket_id
    from stg_tickets
    where created_at >= ${from}
      and in_build_changed_months(month_of(created_at))`);

  const credits = MODELS.find((m) => m.name === 'int_complaint_credits')!;
  let started = performance.now();
  await db.run(`create or replace temp table build_previous_credits as select * from int_complaint_credits where ${SCOPE_ROWS.changed_records}`);
  await replaceRows(db, credits);
  const moved = await db.all(`
    with rebuilt as (
      select * from int_complaint_credits where ${SCOPE_ROWS.changed_records}
    ),
    differences as (
      (select * from build_previous_credits except all select * from rebuilt)
      union all
      (select * from rebuilt except all select * from build_previous_credits)
    )
    select month from differences
    union select ticket_month from differences where ticket_month is not null`);
  onModel(credits.name, performance.now() - started);

  const direct = [...new Set([...changed, ...moved.map((r) => String(r.month))])].sort();
  // a record dated outside the years 0000-9999 has no 'YYYY-MM' month to scope by
  if (!direct.every((m) => MONTH.test(m))) return buildFull(db, onModel);
  const latest = await latestMonth(db);
  // later months only as far as there are records: no rows can exist beyond the latest one
  const months = [...new Set([...direct, ...direct.map(monthAfter).filter((m) => m <= latest)])].sort();
  const yearMonths = [...new Set([...months, ...months.flatMap((m) => laterMonthsOfYear(m).filter((later) => later <= latest))])].sort();
  await setScope(db, { full: false, changed, months, yearMonths });

  for (const model of MODELS) {
    if (model.materialized === 'view' || model === credits) continue;
    started = performance.now();
    await replaceRows(db, model);
    onModel(model.name, performance.now() - started);
  }
  return { full: false, months: yearMonths };
}

async function replaceRows(db: Db, model: Model): Promise<void> {
  const scope = SCOPE_ROWS[model.scope!];
  if (model.key === undefined) {
    await db.run(`delete from ${model.name} where ${scope}`);
    await db.run(`insert into ${model.name} by name\n${sqlFile(model.file)}`);
    return;
  }
  // A large table: only the rows that differ are deleted and inserted. Most rows of a rebuilt month
  // come out as they were, and deleting them would make the next checkpoint rewrite their blocks.
  await db.run(`create or replace temp table build_rows as\n${sqlFile(model.file)}`);
  await db.run(`
    create or replace temp table build_changed_rows as
    select rebuilt.*
    from build_rows as rebuilt
    left join (select * from ${model.name} where ${scope}) as stored
      on stored.${model.key} = rebuilt.${model.key}
    where stored.${model.key} is null
      or rebuilt is distinct from stored`);
  await db.run(`
    delete from ${model.name}
    where (${scope})
      and (${model.key} in (select ${model.key} from build_changed_rows)
        or ${model.key} not in (select ${model.key} from build_rows))`);
  await db.run(`insert into ${model.name} by name select * from build_changed_rows`);
  await db.run(`drop table build_rows`);
  await db.run(`drop table build_changed_rows`);
}

interface Scoping {
  full: boolean;
  /** the months of the records that changed */
  changed: string[];
  /** the months whose KPI and penalty rows are rewritten */
  months: string[];
  /** those plus the later months of their years (year-to-date totals) */
  yearMonths: string[];
}

async function setScope(db: Db, scope: Scoping): Promise<void> {
  await db.connection.run(`set variable build_full = $1::boolean`, [scope.full]);
  for (const [name, months] of [['build_changed_months', scope.changed], ['build_months', scope.months], ['build_year_months', scope.yearMonths]] as const) {
    // months are checked against MONTH before they get here; still passed as a parameter
    await db.connection.run(`set variable ${name} = case when $1 = '' then []::varchar[] else string_split($1, ',') end`, [months.join(',')]);
  }
  const earliest = scope.months[0] ?? scope.changed[0];
  await db.run(`set variable build_from = ${earliest ? monthStart(earliest) : `'-infinity'::timestamp`}`);
}

/** A checked 'YYYY-MM' month as the SQL timestamp of its first moment. */
function monthStart(month: string): string {
  if (!MONTH.test(month)) throw new Error(`not a month: ${month}`);
  return `timestamp '${month}-01 00:00:00'`;
}

function monthAfter(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function laterMonthsOfYear(month: string): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return Array.from({ length: 12 - m }, (_, i) => `${y}-${String(m + 1 + i).padStart(2, '0')}`);
}

/** The month of the latest record that can place a row in a month. */
async function latestMonth(db: Db): Promise<string> {
  const latest = await db.value<string | null>(`
    select month_of(greatest(
      (select max(completed_at) from stg_tickets),
      (select max(received_at) from stg_complaints),
      (select max(occurred_at) from stg_violations)
    ))`);
  return latest ?? '';
}

/** The config, the SQL of every model and macro, and the build logic, as one hash. */
async function buildFingerprint(db: Db): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`build logic ${BUILD_LOGIC_VERSION}\n`);
  for (const file of ['macros.sql', ...MODELS.map((m) => m.file)]) hash.update(`${file}\n${sqlFile(file)}\n`);
  const variables = await db.all(
    `select name, value::varchar as value from duckdb_variables() where name in (${CONFIG_VARIABLES.map((n) => `'${n}'`).join(', ')}) order by name`,
  );
  const rules = await db.all(`select * from cfg_penalty_rules order by all`);
  const windows = await db.all(`select * from cfg_revisit_windows order by all`);
  hash.update(JSON.stringify({ variables, rules, windows }));
  return hash.digest('hex');
}

/** A model build has run on this database (the next one may be incremental). */
export async function modelsBuiltBefore(db: Db): Promise<boolean> {
  return (await tableNames(db)).has(BUILD_STATE_TABLE);
}

/** The id of the build the tables are (null: none recorded, as before build ids). */
export async function currentBuild(db: Db): Promise<string | null> {
  if (!(await modelsBuiltBefore(db))) return null;
  const columns = await db.all(`select column_name from duckdb_columns() where database_name = current_database() and table_name = '${BUILD_STATE_TABLE}' and column_name = 'build_id'`);
  if (columns.length === 0) return null;
  return (await db.value<string | null>(`select build_id from ${BUILD_STATE_TABLE}`)) ?? null;
}

async function previousBuild(db: Db): Promise<{ fingerprint: string; lastBatch: number } | undefined> {
  if (!(await modelsBuiltBefore(db))) return undefined;
  const rows = await db.all(`select fingerprint, last_batch_id from ${BUILD_STATE_TABLE}`);
  const row = rows[0];
  return row ? { fingerprint: String(row.fingerprint), lastBatch: Number(row.last_batch_id ?? 0) } : undefined;
}

/** The latest load batch that stored rows (0: none, or no load log). */
async function loadedBatch(db: Db): Promise<number> {
  if (!(await tableNames(db)).has('load_batches')) return 0;
  return Number((await db.value(`select coalesce(max(batch_id), 0) from load_batches where rows_loaded > 0`)) ?? 0);
}

async function modelsExist(db: Db): Promise<boolean> {
  const tables = await tableNames(db);
  const views = new Set((await db.all(`select view_name from duckdb_views() where database_name = current_database() and schema_name = 'main'`)).map((r) => String(r.view_name)));
  return MODELS.every((m) => (m.materialized === 'view' ? views : tables).has(m.name));
}

async function tableNames(db: Db): Promise<Set<string>> {
  const rows = await db.all(`select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'main'`);
  return new Set(rows.map((r) => String(r.table_name)));
}

export async function checkInvariants(db: Db): Promise<string[]> {
  const rows = await db.all(sqlFile('invariants.sql'));
  return rows.map((r) => String(r.failure));
}
