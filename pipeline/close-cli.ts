// npm run close -- --month YYYY-MM [--db FILE] [--out DIR] [--by NAME] [--config FILE] [--quiet]
// Closes a month (spec 6.2): its lines and totals are frozen, and later changes become adjustments.
// Exit 0 when closed; a refused close (closed already, out of order, a month without data) or
// another fatal problem: one line starting with `error:`, exit 1, nothing changed; bad arguments 2.
import { parseArgs } from 'node:util';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from './common/config.ts';
import { CloseError, runClose } from './close.ts';
import { DatabaseBusyError, InvariantError, OutputError } from './run.ts';

const USAGE = 'usage: npm run close -- --month YYYY-MM [--db FILE] [--out DIR] [--by NAME] [--config FILE] [--quiet]';

function fail(message: string, code: number): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let values: { month?: string; db?: string; out?: string; by?: string; config?: string; quiet?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        month: { type: 'string' },
        db: { type: 'string', default: 'data/warehouse.duckdb' },
        out: { type: 'string', default: 'dashboard/data' },
        by: { type: 'string' },
        config: { type: 'string', default: DEFAULT_CONFIG_PATH },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    fail(`${(e as Error).message}\n${USAGE}`, 2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.month) fail(`--month is required\n${USAGE}`, 2);
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(values.month)) fail(`--month ${values.month} is not a month: give it as YYYY-MM\n${USAGE}`, 2);
  if (values.by !== undefined && values.by.trim() === '') fail(`--by needs a name\n${USAGE}`, 2);
  const log = values.quiet ? () => {} : (line: string) => process.stdout.write(`${line}\n`);
  const config = loadConfig(values.config);
  const { close } = await runClose({ month: values.month, db: values.db!, out: values.out, by: values.by, config, log });
  log(
    `closed ${close.month} (${close.closed_by}, ${close.closed_at}): ${close.lines} penalty lines, ${close.amount.toFixed(2)} yuan, ` +
      `adjustments ${close.adjustments.toFixed(2)}, due ${close.amount_due.toFixed(2)}; ${close.outlet_fine_lines} outlet fines ${close.outlet_fines.toFixed(2)}; ` +
      `${close.settlement_lines} settlement lines ${close.settlement_fees.toFixed(2)}; sha256 ${close.sha256} over ${close.hashed_lines} lines`,
  );
}

main().catch((e: unknown) => {
  if (e instanceof CloseError || e instanceof ConfigError || e instanceof DatabaseBusyError || e instanceof InvariantError || e instanceof OutputError) {
    fail(e.message, 1);
  }
  fail(`unexpected: ${(e as Error).stack ?? String(e)}`, 1);
});
