// npm run close -- --month YYYY-MM [--db FILE] [--out DIR] [--by NAME] [--config FILE] [--quiet]
// Closes a month (spec 6.2): its lines and totals are frozen, and later changes become adjustments.
// Exit 0 when closed; a refused close (closed already, out of order, a month without data) or
// another fatal problem: one line starting with `error:`, exit 1, nothing changed; bad arguments 2.
import { ConfigError, loadConfig } from './common/config.ts';
import { MONTH } from './build/scope.ts';
import { CloseError, runClose } from './close.ts';
import { DatabaseBusyError, InvariantError, OutputError } from './run.ts';
import { fail, parseCommand, runCommand, SHARED_OPTIONS } from './command-line.ts';

const USAGE = 'usage: npm run close -- --month YYYY-MM [--db FILE] [--out DIR] [--by NAME] [--config FILE] [--quiet]';

async function main(): Promise<void> {
  const values = parseCommand<{ month?: string; by?: string; db: string; out: string; config: string; quiet: boolean }>(
    { month: { type: 'string' }, by: { type: 'string' }, ...SHARED_OPTIONS },
    USAGE,
  );
  if (values === null) return;
  if (!values.month) fail(`--month is required\n${USAGE}`, 2);
  if (!MONTH.test(values.month)) fail(`--month ${values.month} is not a month: give it as YYYY-MM\n${USAGE}`, 2);
  if (values.by !== undefined && values.by.trim() === '') fail(`--by needs a name\n${USAGE}`, 2);
  const log = values.quiet ? () => {} : (line: string) => process.stdout.write(`${line}\n`);
  const config = loadConfig(values.config);
  const { close } = await runClose({ month: values.month, db: values.db, out: values.out, by: values.by, config, log });
  log(
    `closed ${close.month} (${close.closed_by}, ${close.closed_at}): ${close.lines} penalty lines, ${close.amount.toFixed(2)} yuan, ` +
      `adjustments ${close.adjustments.toFixed(2)}, due ${close.amount_due.toFixed(2)}; ${close.outlet_fine_lines} outlet fines ${close.outlet_fines.toFixed(2)}; ` +
      `${close.settlement_lines} settlement lines ${close.settlement_fees.toFixed(2)}; sha256 ${close.sha256} over ${close.hashed_lines} lines`,
  );
}

runCommand(main, [CloseError, ConfigError, DatabaseBusyError, InvariantError, OutputError]);
