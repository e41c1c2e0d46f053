// What the commands of the run level (npm run pipeline, npm run close) share: the options every one
// takes, parsing with the usage line on a mistake (exit 2), and one `error:` line for a failure
// (exit 1), the stack only for what nobody expected.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_CONFIG_PATH } from './common/config.ts';

/** --db, --out, --config, --quiet and --help, with their defaults. */
export const SHARED_OPTIONS = {
  db: { type: 'string', default: 'data/warehouse.duckdb' },
  out: { type: 'string', default: 'dashboard/data' },
  config: { type: 'string', default: DEFAULT_CONFIG_PATH },
  quiet: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const satisfies ParseArgsConfig['options'];

export function fail(message: string, code: number): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

/**
 * The command's options (strict: an unknown one is a mistake), or null after --help printed the
 * usage. A mistake stops with its message and the usage, exit 2.
 */
export function parseCommand<T>(options: ParseArgsConfig['options'], usage: string): T | null {
  let values: T & { help?: boolean };
  try {
    values = parseArgs({ options, strict: true }).values as T & { help?: boolean };
  } catch (e) {
    fail(`${(e as Error).message}\n${usage}`, 2);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return null;
  }
  return values;
}

/** Runs the command: a failure of a known kind is its one line, anything else its stack; exit 1. */
export function runCommand(main: () => Promise<void>, known: (abstract new (...args: never[]) => Error)[]): void {
  main().catch((e: unknown) => {
    if (known.some((kind) => e instanceof kind)) fail((e as Error).message, 1);
    fail(`unexpected: ${(e as Error).stack ?? String(e)}`, 1);
  });
}
