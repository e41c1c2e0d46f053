// The invariants checked after every build (queries/invariants.sql): keys unique, rates in [0, 1],
// satisfied + neutral + unsatisfied = rated, read = loaded + rejected, totals = lines, and a closed
// month's frozen amounts + the adjustments booked from it = what its lines are now.
import { type Db, sqlFile } from '../common/db.ts';
import { setCloseVariables } from './scope.ts';

export async function checkInvariants(db: Db): Promise<string[]> {
  // the closed months, as the checks of the close read them
  await setCloseVariables(db);
  const rows = await db.all(sqlFile('invariants.sql'));
  return rows.map((r) => String(r.failure));
}
