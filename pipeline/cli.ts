// npm run pipeline -- --input DIR --db FILE --out DIR [--config FILE] [--rejects FILE] [--quiet]
// Exit 0 on success; on a fatal error one line saying what is wrong (a folder without a single
// export: that line, then each file and why it was skipped), and exit 1 (2 for bad arguments).
// After the run, the first rejected rows and where to find all of them.
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, loadConfig } from './common/config.ts';
import { FatalLoadError, RejectsFileError, rejectLine, type RejectSummary } from './load/index.ts';
import { Progress } from './common/progress.ts';
import { DatabaseBusyError, InvariantError, OutputError, runPipeline } from './run.ts';
import { fail, parseCommand, runCommand, SHARED_OPTIONS } from './command-line.ts';

const USAGE = 'usage: npm run pipeline -- --input DIR [--db FILE] [--out DIR] [--config FILE] [--rejects FILE] [--quiet]';

// rejected rows listed after a run; the others are on the quality page and in --rejects
const REJECTS_SHOWN = 10;

async function main(): Promise<void> {
  const values = parseCommand<{ input?: string; db: string; out: string; config: string; rejects?: string; quiet: boolean }>(
    { input: { type: 'string' }, rejects: { type: 'string' }, ...SHARED_OPTIONS },
    USAGE,
  );
  if (values === null) return;
  if (!values.input) fail(`--input is required\n${USAGE}`, 2);
  if (!existsSync(values.input) || !statSync(values.input).isDirectory()) fail(`--input ${values.input} is not a folder`, 2);
  if (values.rejects !== undefined) checkRejectsPath(values.rejects);

  const config = loadConfig(values.config);
  const progress = new Progress({ out: values.quiet ? null : process.stdout });
  const log = (line: string) => progress.log(line);
  const result = await runPipeline({ input: values.input, db: values.db, out: values.out, config, progress, rejectsShown: REJECTS_SHOWN, rejectsCsv: values.rejects });
  rejectsReport(result.rejects).forEach(log);
  const loaded = result.files.filter((f) => f.status === 'loaded');
  const skipped = result.files.filter((f) => f.status === 'skipped');
  const unchanged = result.files.length - loaded.length - skipped.length;
  log(`done in ${result.seconds.toFixed(1)} s: ${loaded.length} ${files(loaded.length)} loaded, ${unchanged} unchanged, ${skipped.length} not recognised`);
}

/** Where the CSV of rejects goes must be a file in a folder that exists: told before the run, not after it. */
function checkRejectsPath(path: string): void {
  if (path === '') fail(`--rejects needs a file name\n${USAGE}`, 2);
  if (existsSync(path) && statSync(path).isDirectory()) fail(`--rejects ${path} is a folder; give a file name`, 2);
  const folder = dirname(path);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) fail(`--rejects ${path}: the folder ${folder} does not exist`, 2);
}

/** The lines that say what was rejected: the first rows, and where all of them are. */
function rejectsReport(rejects: RejectSummary): string[] {
  const { total, first, csvPath } = rejects;
  if (total === 0) return csvPath === undefined ? [] : [`no rows rejected; wrote the empty list to ${csvPath}`];
  const more = total - first.length;
  const everyOne = csvPath === undefined ? 'every one as a CSV: run with --rejects FILE' : `every one written to ${csvPath}`;
  return [
    `${total} ${rows(total)} rejected in the files of this run${more > 0 ? `, the first ${first.length}` : ''} (file:line, column, reason, value):`,
    ...first.map((r) => `  ${rejectLine(r)}`),
    ...(more > 0 ? [`  … and ${more} more`] : []),
    `all of them: the dashboard's data-quality page (up to 200 a file); ${everyOne}`,
  ];
}

const rows = (n: number) => (n === 1 ? 'row' : 'rows');
const files = (n: number) => (n === 1 ? 'file' : 'files');

runCommand(main, [ConfigError, FatalLoadError, RejectsFileError, DatabaseBusyError, InvariantError, OutputError]);
