// npm run pipeline -- --input DIR --db FILE --out DIR [--config FILE] [--quiet]
// Exit 0 on success; on a fatal error one line saying what is wrong, and exit 1 (2 for bad arguments).
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from './common/config.ts';
import { FatalLoadError } from './load/index.ts';
import { Progress } from './common/progress.ts';
import { DatabaseBusyError, InvariantError, OutputError, runPipeline } from './run.ts';

const USAGE = 'usage: npm run pipeline -- --input DIR [--db FILE] [--out DIR] [--config FILE] [--quiet]';

function fail(message: string, code: number): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let values: { input?: string; db?: string; out?: string; config?: string; quiet?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        input: { type: 'string' },
        db: { type: 'string', default: 'data/warehouse.duckdb' },
        out: { type: 'string', default: 'dashboard/data' },
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
  if (!values.input) fail(`--input is required\n${USAGE}`, 2);
  if (!existsSync(values.input) || !statSync(values.input).isDirectory()) fail(`--input ${values.input} is not a folder`, 2);

  const config = loadConfig(values.config);
  const progress = new Progress({ out: values.quiet ? null : process.stdout });
  const log = (line: string) => progress.log(line);
  const result = await runPipeline({ input: values.input, db: values.db!, out: values.out, config, progress });
  const loaded = result.files.filter((f) => f.status === 'loaded');
  const skipped = result.files.filter((f) => f.status === 'skipped');
  log(`done in ${result.seconds.toFixed(1)} s: ${loaded.length} files loaded, ${result.files.length - loaded.length - skipped.length} unchanged, ${skipped.length} not recognised`);
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof FatalLoadError || e instanceof DatabaseBusyError || e instanceof InvariantError || e instanceof OutputError) {
    fail(e.message, 1);
  }
  fail(`unexpected: ${(e as Error).stack ?? String(e)}`, 1);
});
