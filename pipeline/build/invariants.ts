// The invariants checked after every build (queries/invariants.sql): keys unique, rates in [0, 1],
// satisfied + neutral + unsatisfied = rated, read = loaded + rejected, totals = lines.
import { type Db, sqlFile } from '../common/db.ts';

export async function checkInvariants(db: Db): Promise<string[]> {
  const rows = await db.all(sqlFile('invariants.sql'));
  return rows.map((r) => String(r.failure));
}
