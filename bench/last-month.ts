// The incremental month of the benchmark: the exports split by DuckDB into the history and the last
// month, as a network's service systems would have sent them.
//
// What "a new month" is: each system exports the records of its own date. The month's ticket
// export holds the tickets created in it; its revisit export the calls made in it, whatever the
// month of their ticket (so some are about last month's tickets, and change last month's figures);
// its complaint export the complaints received in it. Split on each file's own date column
// (created_at, revisit_at, received_at): the last month is the latest month of created_at; the
// history is every row dated before it (a year less one month), the month every row dated in it
// or after it (the calls and complaints about its last tickets that fall in the next month go with
// it: the exports end there). History and month together are exactly the full exports.
//
// Owns the split; imports the DuckDB wrapper of pipeline/common; used by bench.ts.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Db, sqlString } from '../pipeline/common/db.ts';

/** each export file of the benchmark and the column that dates its rows */
const DATED_BY: readonly [file: string, column: string][] = [
  ['tickets.csv', 'created_at'],
  ['revisits.csv', 'revisit_at'],
  ['complaints.csv', 'received_at'],
];

export interface MonthSplit {
  month: string;
  /** the exports dated before the month */
  history: string;
  /** the month's exports, one file a kind, named like tickets_2026-12.csv */
  increment: string;
}

/** The split of exportsDir into two sibling folders, made once and kept (like the exports). */
export async function splitLastMonth(exportsDir: string): Promise<MonthSplit> {
  const history = `${exportsDir}-history`;
  const increment = `${exportsDir}-last-month`;
  const done = `${exportsDir}-split.complete`;
  if (existsSync(done)) return { month: readFileSync(done, 'utf8'), history, increment };
  const db = await Db.open(':memory:');
  try {
    const read = (file: string) => `read_csv(${sqlString(join(exportsDir, file))}, header = true, all_varchar = true)`;
    // the timestamps are ISO text (YYYY-MM-DD hh:mm:ss): text order is time order, and the text is kept as it was
    const month = await db.value<string>(`select max(left(created_at, 7)) from ${read('tickets.csv')}`);
    for (const dir of [history, increment]) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    }
    for (const [file, column] of DATED_BY) {
      const rows = (where: string) => `select * from ${read(file)} where ${where}`;
      await db.run(`copy (${rows(`${column} < ${sqlString(month)}`)}) to ${sqlString(join(history, file))} (header, delimiter ',')`);
      const monthFile = file.replace('.csv', `_${month}.csv`);
      await db.run(`copy (${rows(`${column} >= ${sqlString(month)}`)}) to ${sqlString(join(increment, monthFile))} (header, delimiter ',')`);
    }
    writeFileSync(done, month);
    return { month, history, increment };
  } finally {
    db.close();
  }
}
