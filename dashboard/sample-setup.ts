// npm start's sample setup (issue 13): the bundled sample as HR's year leaves it. Loads the sample's
// exports, closes its first months in order as HR does once they are paid (by demo-hr, with the
// close command's own function), then loads the late export, data/sample/late/: a ticket entered
// late, a call put right, a fine revised and the appeals. The dashboard then opens with closed
// months, their adjustments in the first open month (new_line, line_gone, amount_changed, appeal)
// and appeals of every decision. Only the last load publishes: one publish instead of five.
// Every step is skipped once done (a file loaded before is not loaded again, a closed month is not
// closed again), so running it again on the same database changes nothing.
import { existsSync } from 'node:fs';
import type { Config } from '../pipeline/common/config.ts';
import { runClose } from '../pipeline/close.ts';
import { openDatabase, runPipeline, type RunResult } from '../pipeline/run.ts';

/** the sample's first months, closed before its late export is loaded (pipeline/sample/late.ts writes it for as many) */
export const SAMPLE_CLOSED_MONTHS = 3;
/** who closes them: the demo HR account */
export const SAMPLE_CLOSED_BY = 'demo-hr';

export interface SampleSetupOptions {
  /** the sample's exports (data/sample) */
  input: string;
  /** the late export, loaded after the closes (data/sample/late); missing: nothing late is loaded */
  late: string;
  db: string;
  out: string;
  config: Config;
  log?: (line: string) => void;
}

export interface SampleSetup {
  /** the months this setup closed, in order (none when they were closed already) */
  closed: string[];
  /** the last run: the late export's load and the publish */
  published: RunResult;
}

export async function setUpSample(options: SampleSetupOptions): Promise<SampleSetup> {
  const { db, config } = options;
  const log = options.log ?? (() => {});
  await runPipeline({ input: options.input, db, config, log });
  const closed = await monthsToClose(db, config);
  for (const month of closed) {
    const { close } = await runClose({ month, db, config, by: SAMPLE_CLOSED_BY, log });
    log(`closed ${close.month} (${close.closed_by}): ${close.lines} penalty lines, ${close.amount.toFixed(2)} yuan; sha256 ${close.sha256}`);
  }
  // the late export comes after the closes, so that what it changes in them becomes adjustments
  const lateInput = existsSync(options.late) ? options.late : options.input;
  if (lateInput === options.late) log(`loading the late export, after the closes: ${options.late}`);
  const published = await runPipeline({ input: lateInput, db, out: options.out, config, log });
  return { closed, published };
}

/** the sample's first months not closed yet, in order (none at or before a month closed already: months close in order) */
async function monthsToClose(dbFile: string, config: Config): Promise<string[]> {
  const db = await openDatabase(dbFile, config);
  try {
    const first = await db.all(`select month from kpi_network_month order by month limit ${SAMPLE_CLOSED_MONTHS}`);
    const [latest] = await db.all(`select max(month) as month from month_closes`);
    const latestClosed = (latest?.month as string | null | undefined) ?? '';
    return first.map((row) => row.month as string).filter((month) => month > latestClosed);
  } finally {
    db.close();
  }
}
