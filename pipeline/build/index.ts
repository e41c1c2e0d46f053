// Builds the KPI and penalty tables from the stored records, layer by layer (staging views,
// intermediate and mart tables), each from its SQL file under queries/. Config values reach the
// SQL as DuckDB variables and config tables set through prepared statements, never pasted in.
//
// A build is full (every table made anew) or incremental: the loader lists in stale_months the
// months its records changed, and only the rows of the months those feed are deleted and built
// again. Each SQL file reads its scope from the build_* variables (macros in_build_months and
// friends), so the same file serves both.
//
// The stage's parts: models.ts (what is built, and the rows an incremental build rewrites),
// config-variables.ts, scope.ts (which months), state.ts (what the next build needs to know),
// invariants.ts. It imports only pipeline/common/; the publish stage reads its results.
import { randomUUID } from 'node:crypto';
import { type Db, sqlFile } from '../common/db.ts';
import { MODELS, SCOPE_ROWS, type Model } from './models.ts';
import { recordBuild } from './publish-state.ts';
import { syncAppealRejects } from './appeal-rejects.ts';
import { closedThrough, latestMonth, laterMonthsOfYear, MONTH, monthAfter, monthStart, setAdjustedMonths, setScope } from './scope.ts';
import { BUILD_STATE_TABLE, buildFingerprint, loadedBatch, modelsExist, previousBuild, tableNames, viewNames } from './state.ts';

export { applyConfig } from './config-variables.ts';
export { checkInvariants } from './invariants.ts';
export { MODELS } from './models.ts';
export { BUILD_STATE_TABLE, currentBuild, modelsBuiltBefore } from './state.ts';

export interface BuildResult {
  /** every table was made anew */
  full: boolean;
  /** the months whose rows were rewritten (after a full build: every month in the tables), sorted */
  months: string[];
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
  await dropStaged(db);
  // nothing else writes the database meanwhile (one process holds it): the same inside the transaction
  const { full, stale, hasStaleTable, fingerprint, lastBatch } = await whatToBuild(db);
  if (full) await stageModels(db, onModel);
  return db.transaction(async () => {
    let result: BuildResult;
    if (full) {
      result = await buildFull(db, onModel);
    } else if (stale.length === 0) {
      result = { full: false, months: [] };
    } else {
      result = await buildIncremental(db, stale.sort(), onModel);
    }
    if (hasStaleTable) await db.run(`delete from stale_months`);
    if (full || stale.length > 0) await syncAppealRejects(db);
    if (full || stale.length > 0) {
      const buildId = randomUUID();
      await db.run(`create or replace table ${BUILD_STATE_TABLE} (fingerprint varchar, last_batch_id bigint, built_at timestamp, build_id varchar)`);
      await db.connection.run(`insert into ${BUILD_STATE_TABLE} values ($1, $2, localtimestamp, $3)`, [fingerprint, lastBatch, buildId]);
      await recordBuild(db, buildId, result.full ? ['*'] : result.months);
    }
    await db.run(`drop table if exists build_changed_tickets`);
    await db.run(`drop table if exists build_previous_rows`);
    return result;
  });
}

/** Whether the build is full, and what the build state records of it. */
async function whatToBuild(db: Db): Promise<{ full: boolean; stale: string[]; hasStaleTable: boolean; fingerprint: string; lastBatch: number }> {
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
  return { full, stale, hasStaleTable, fingerprint, lastBatch };
}

// the staging name of a staged model (models.ts), until the build's transaction moves it into place
const stagedName = (model: Model) => `${model.name}__staged`;

/** Staged tables a build that stopped left behind: never read, dropped before the next build. */
async function dropStaged(db: Db): Promise<void> {
  for (const model of MODELS.filter((m) => m.staged)) await db.run(`drop table if exists ${stagedName(model)}`);
}

/**
 * The staged models of a full build, made before its transaction under their staging names (the
 * models after them then read them on every core: models.ts). They read the staging views of this
 * build's SQL, as temporary views for the time of it: the stored ones are made again in the
 * transaction. A run that stops leaves the model tables as they were, and a staged table that the
 * next build drops.
 */
async function stageModels(db: Db, onModel: (name: string, ms: number) => void): Promise<void> {
  await setScope(db, { full: true, changed: [], months: [], yearMonths: [] });
  const views = MODELS.filter((m) => m.materialized === 'view' && m.file.startsWith('staging/'));
  try {
    for (const view of views) await db.run(`create or replace temp view ${view.name} as\n${sqlFile(view.file)}`);
    for (const model of MODELS.filter((m) => m.staged)) {
      const started = performance.now();
      await db.run(`create or replace table ${stagedName(model)} as\n${sqlFile(model.file)}`);
      onModel(model.name, performance.now() - started);
    }
  } finally {
    for (const view of views) await db.run(`drop view if exists temp.${view.name}`);
  }
}

async function buildFull(db: Db, onModel: (name: string, ms: number) => void): Promise<BuildResult> {
  await setScope(db, { full: true, changed: [], months: [], yearMonths: [] });
  await db.run(`create or replace temp table build_changed_tickets (ticket_id varchar)`);
  await dropChangedKinds(db);
  for (const model of MODELS) {
    if (model.staged) {
      await db.run(`drop table if exists ${model.name}; alter table ${stagedName(model)} rename to ${model.name}`);
      continue;
    }
    const started = performance.now();
    await db.run(`create or replace ${model.materialized} ${model.name} as\n${sqlFile(model.file)}`);
    onModel(model.name, performance.now() - started);
  }
  const months = await db.all(`
    select month from kpi_network_month
    union select month from penalty_lines
    union select month from outlet_penalty_lines
    union select month from settlement_totals
    union select month from penalty_totals
    order by month`);
  return { full: true, months: months.map((r) => String(r.month)) };
}

/**
 * Drops the models stored as the other kind than they are now (a table that became a view, or back):
 * `create or replace` does not change an object's kind, and a database of an older build has them.
 */
async function dropChangedKinds(db: Db): Promise<void> {
  const tables = await tableNames(db);
  const views = await viewNames(db);
  for (const model of MODELS) {
    if (model.materialized === 'view' && tables.has(model.name)) await db.run(`drop table ${model.name}`);
    if (model.materialized === 'table' && views.has(model.name)) await db.run(`drop view ${model.name}`);
  }
}

/**
 * Rewrites the rows of the months the changed records feed. The loader names the months of every
 * record it inserted or replaced (`changed`). A ticket's change reaches records of other months
 * through the models that link records (complaint credits: whom a complaint counts against; repeat
 * repairs: which earlier job a repair repeats), so those are built first and the months whose links
 * moved join in. Then the month after each (rank change, TOP_COMPLAINT_RATE repeated), then the
 * later months of the same years (year-to-date totals and escalation). The months rewritten, for the
 * publish, also take in those of the settlement rows that changed (a ticket is settled in the month
 * its revisit slip arrives).
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

  const moved: string[] = [];
  for (const model of MODELS.filter((m) => m.links !== undefined)) {
    const started = performance.now();
    moved.push(...(await relink(db, model)));
    onModel(model.name, performance.now() - started);
  }

  const closed = await closedThrough(db);
  const direct = withAdjustmentMonth([...new Set([...changed, ...moved])].sort(), closed);
  // a record dated outside the years 0000-9999 has no 'YYYY-MM' month to scope by
  if (!direct.every((m) => MONTH.test(m))) return buildFull(db, onModel);
  const latest = await latestMonth(db);
  // later months only as far as there are records: no rows can exist beyond the latest one
  const months = [...new Set([...direct, ...direct.map(monthAfter).filter((m) => m <= latest)])].sort();
  const yearMonths = [...new Set([...months, ...months.flatMap((m) => laterMonthsOfYear(m).filter((later) => later <= latest))])].sort();
  await setScope(db, { full: false, changed, months, yearMonths });

  const published = new Set(yearMonths);
  const adjusted = new Set(months);
  for (const model of MODELS) {
    if (model.links !== undefined || model.materialized === 'view') continue;
    const started = performance.now();
    const placed = (await replaceRows(db, model)).filter((m) => MONTH.test(m));
    for (const month of placed) published.add(month);
    // a settlement line that moved to or from a closed month changes that month's adjustments
    if (placed.some((m) => !adjusted.has(m))) {
      for (const month of placed) adjusted.add(month);
      await setAdjustedMonths(db, [...adjusted].sort());
    }
    onModel(model.name, performance.now() - started);
  }
  // the adjustments of a closed month reached only through a moved settlement line are booked in
  // the first open month too: its files are published again with them
  for (const month of withAdjustmentMonth([...adjusted], closed)) published.add(month);
  return { full: false, months: [...published].sort() };
}

/**
 * The months to build, and the first open month when one of them is closed: what the records give
 * for a closed month is compared with its frozen lines, and the differences are booked there.
 */
function withAdjustmentMonth(months: string[], closed: string): string[] {
  if (closed === '' || !months.some((m) => m <= closed)) return months;
  return [...new Set([...months, monthAfter(closed)])].sort();
}

/**
 * Rebuilds the rows in scope of a model that links records, and returns the months (its `links`
 * columns) of the rows that differ from before: added, gone or changed.
 */
async function relink(db: Db, model: Model): Promise<string[]> {
  const scope = SCOPE_ROWS[model.scope!];
  await db.run(`create or replace temp table build_previous_rows as select * from ${model.name} where ${scope}`);
  await replaceRows(db, model);
  const moved = await db.all(`
    with rebuilt as (
      select * from ${model.name} where ${scope}
    ),
    differences as (
      (select * from build_previous_rows except all select * from rebuilt)
      union all
      (select * from rebuilt except all select * from build_previous_rows)
    )
    ${model.links!.map((column) => `select ${column} as month from differences where ${column} is not null`).join('\n    union ')}`);
  await db.run(`drop table build_previous_rows`);
  return moved.map((r) => String(r.month));
}

/**
 * Replaces a model's rows in scope with those its SQL makes now. Returns the months (its
 * publishedMonth column) of the rows that changed, for a model that places rows outside the months
 * built; otherwise none.
 */
async function replaceRows(db: Db, model: Model): Promise<string[]> {
  const scope = SCOPE_ROWS[model.scope!];
  if (model.key === undefined) {
    const column = model.publishedMonth;
    if (column !== undefined) await db.run(`create or replace temp table build_previous_rows as select * from ${model.name} where ${scope}`);
    await db.run(`delete from ${model.name} where ${scope}`);
    await db.run(`insert into ${model.name} by name\n${sqlFile(model.file)}`);
    return column === undefined ? [] : changedMonths(db, model.name, scope, column);
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
  const replaced = `
    from ${model.name}
    where (${scope})
      and (${model.key} in (select ${model.key} from build_changed_rows)
        or ${model.key} not in (select ${model.key} from build_rows))`;
  const column = model.publishedMonth;
  const months = column === undefined ? [] : await db.all(`select ${column} as month ${replaced} union select ${column} from build_changed_rows`);
  await db.run(`delete ${replaced}`);
  await db.run(`insert into ${model.name} by name select * from build_changed_rows`);
  await db.run(`drop table build_rows`);
  await db.run(`drop table build_changed_rows`);
  return months.map((r) => String(r.month));
}

/** The months (column) of the rows in scope that differ from build_previous_rows, which it drops. */
async function changedMonths(db: Db, table: string, scope: string, column: string): Promise<string[]> {
  const months = await db.all(`
    with rebuilt as (
      select * from ${table} where ${scope}
    )
    select ${column} as month from (select * from build_previous_rows except all select * from rebuilt)
    union
    select ${column} from (select * from rebuilt except all select * from build_previous_rows)`);
  await db.run(`drop table build_previous_rows`);
  return months.map((r) => String(r.month));
}
