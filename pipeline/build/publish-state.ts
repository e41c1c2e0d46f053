// What the published files lag behind the tables, kept in the database so that a publish that
// failed or was killed is made good by the next run, whatever that run's build changes.
//
// Every model build that changes the tables gets a new build id (model_build_state.build_id) and,
// in its own transaction, adds the months it rewrote to publish_pending ('*': every month). The
// manifest names the build its run folder reflects. A publish may take a month's files over from
// the run the manifest names only when that run is of a build this database knows to differ from
// the tables in no more than the pending months: the build of its last confirmed publish
// (published_build), or one built since. Anything else (no manifest, a manifest of another database
// or of an older state of this one, '*' pending) is a full publish. Once the new manifest is in
// place, publish_pending is emptied and published_build set, in one transaction; a kill between the
// two only makes the next run write those months again, to the same bytes.
import type { Db } from '../common/db.ts';

export const PENDING_TABLE = 'publish_pending';
export const PUBLISHED_TABLE = 'published_build';

export interface PublishState {
  /** the build the tables are (null: no build recorded) */
  buildId: string | null;
  /** the months whose files may differ from those of any build in `bases`; '*' for every month */
  pending: string[];
  /** the builds whose run folder may lend the months not pending */
  bases: Set<string>;
}

/** Records, inside the build's transaction, the months it rewrote (['*'] after a full build). */
export async function recordBuild(db: Db, buildId: string, months: string[]): Promise<void> {
  if (!(await hasTable(db, PENDING_TABLE))) return; // no publish state here: every publish is full
  await db.connection.run(
    `insert into ${PENDING_TABLE} select $1, unnest(case when $2 = '' then []::varchar[] else string_split($2, ',') end)`,
    [buildId, months.join(',')],
  );
}

export async function publishState(db: Db, buildId: string | null): Promise<PublishState> {
  const bases = new Set<string>(buildId === null ? [] : [buildId]);
  if (!(await hasTable(db, PENDING_TABLE)) || !(await hasTable(db, PUBLISHED_TABLE))) return { buildId, pending: ['*'], bases: new Set() };
  const pending = await db.all(`select distinct build_id, month from ${PENDING_TABLE} order by month`);
  for (const row of pending) bases.add(String(row.build_id));
  for (const row of await db.all(`select build_id from ${PUBLISHED_TABLE}`)) bases.add(String(row.build_id));
  return { buildId, pending: [...new Set(pending.map((r) => String(r.month)))], bases };
}

/** After the manifest switch: the published files are the tables' build. */
export async function confirmPublished(db: Db, state: PublishState): Promise<void> {
  if (!(await hasTable(db, PENDING_TABLE)) || !(await hasTable(db, PUBLISHED_TABLE))) return;
  await db.transaction(async () => {
    await db.run(`delete from ${PENDING_TABLE}`);
    await db.run(`delete from ${PUBLISHED_TABLE}`);
    if (state.buildId !== null) await db.connection.run(`insert into ${PUBLISHED_TABLE} values ($1)`, [state.buildId]);
  });
}

async function hasTable(db: Db, name: string): Promise<boolean> {
  return (await db.value<number>(`select count(*) from duckdb_tables() where database_name = current_database() and schema_name = 'main' and table_name = $1`, [name])) > 0;
}
