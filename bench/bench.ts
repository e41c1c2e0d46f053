// npm run bench -- [--sizes 1000000,10000000] [--runs 3] [--seed 7] [--no-server] [--no-incremental]
//                  [--out BENCHMARK.md] [--work DIR] [--note TEXT]
// Measures the whole pipeline against the reference script of the performance issue
// (expert.cjs: the six contract tables in plain DuckDB SQL), the two alternating on the same
// exports, each run in its own process; after every pair, the six tables of the two databases
// must be equal, or the benchmark stops naming the table and rows. Then the incremental month and
// the dashboard server. Prints the report and writes it to BENCHMARK.md above the file's "Before"
// section.
//
// Owns the benchmark's plan. Imports its siblings (the exports, the trials, the comparison, the
// report); the product code never imports bench/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkTargets, incrementalTable, sizeTable, writeReport, type IncrementalResult, type SizeResult } from './bench-report.ts';
import { TablesDifferError, assertSameTables } from './compare-tables.ts';
import { splitLastMonth } from './last-month.ts';
import { EXPORT_FILES, writeScaleExports } from './scale-exports.ts';
import { removeDatabase, runPipelineTrial, runScriptTrial, type PipelineTrial, type ScriptTrial } from './trials.ts';

interface BenchOptions {
  sizes: number[];
  runs: number;
  seed: number;
  server: boolean;
  incremental: boolean;
  out: string;
  work: string;
  note: string | undefined;
}

function readOptions(): BenchOptions {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1000000,10000000' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: '7' },
      'no-server': { type: 'boolean', default: false },
      'no-incremental': { type: 'boolean', default: false },
      out: { type: 'string', default: 'BENCHMARK.md' },
      work: { type: 'string', default: join(tmpdir(), 'sq-bench') },
      note: { type: 'string' },
    },
  });
  return {
    sizes: values.sizes!.split(',').map(Number),
    runs: Number(values.runs),
    seed: Number(values.seed),
    server: !values['no-server'],
    incremental: !values['no-incremental'],
    out: values.out!,
    work: values.work!,
    note: values.note,
  };
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** the run of median seconds, so that its stages are those of one real run */
function medianTrial(trials: readonly PipelineTrial[]): PipelineTrial {
  const seconds = median(trials.map((t) => t.seconds));
  return trials.find((t) => t.seconds === seconds)!;
}

const stagesText = (t: PipelineTrial) => `load ${t.stages.load.toFixed(1)}, models ${t.stages.models.toFixed(1)}, publish ${t.stages.publish.toFixed(1)}`;

/** The reference generator's exports, made once for a size and seed and kept (the marker is written last). */
function exportsFor(work: string, tickets: number, seed: number): string {
  const dir = join(work, `scale-${tickets}-${seed}`);
  const complete = `${dir}.complete`;
  if (existsSync(complete)) return dir;
  rmSync(dir, { recursive: true, force: true });
  log(`generating ${tickets.toLocaleString('en')} tickets (seed ${seed}) …`);
  const started = performance.now();
  writeScaleExports(dir, tickets, seed);
  writeFileSync(complete, '');
  log(`  generated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return dir;
}

const exportBytes = (dir: string) => EXPORT_FILES.reduce((n, f) => n + statSync(join(dir, f)).size, 0);

/** the pipeline from an empty database and output folder */
function freshPipelineTrial(input: string, db: string, out: string): PipelineTrial {
  removeDatabase(db);
  rmSync(out, { recursive: true, force: true });
  return runPipelineTrial(input, db, out);
}

async function measureSize(work: string, tickets: number, opts: BenchOptions): Promise<SizeResult> {
  const input = exportsFor(work, tickets, opts.seed);
  const [pipelineDb, scriptDb] = [join(work, `pipeline-${tickets}.duckdb`), join(work, `script-${tickets}.duckdb`)];
  const pipelineTrials: PipelineTrial[] = [];
  const scriptTrials: ScriptTrial[] = [];
  for (let i = 0; i < opts.runs; i++) {
    // alternate, so that a slow spell of the machine hits both sides alike
    const p = freshPipelineTrial(input, pipelineDb, join(work, `pipeline-${tickets}-out`));
    log(`  pipeline ${tickets}: ${p.seconds.toFixed(1)} s (${stagesText(p)}), peak ${p.maxRssMb.toFixed(0)} MB`);
    const s = runScriptTrial(input, scriptDb);
    log(`  script   ${tickets}: ${s.seconds.toFixed(1)} s, peak ${s.maxRssMb.toFixed(0)} MB`);
    await assertSameTables(pipelineDb, scriptDb).catch((e: unknown) => {
      throw e instanceof TablesDifferError ? new TablesDifferError(`at ${tickets} tickets, run ${i + 1} (databases kept: ${pipelineDb}, ${scriptDb}): ${e.message}`) : e;
    });
    log('  the six tables are equal');
    pipelineTrials.push(p);
    scriptTrials.push(s);
  }
  return {
    tickets,
    exportBytes: exportBytes(input),
    runs: opts.runs,
    pipeline: medianTrial(pipelineTrials),
    scriptSeconds: median(scriptTrials.map((t) => t.seconds)),
    pipelineRssMb: Math.max(...pipelineTrials.map((t) => t.maxRssMb)),
    scriptRssMb: Math.max(...scriptTrials.map((t) => t.maxRssMb)),
  };
}

/** the last month alone into an empty database, against the same month onto the history before it */
async function measureIncremental(work: string, tickets: number, opts: BenchOptions): Promise<IncrementalResult> {
  const { month, history, increment } = await splitLastMonth(exportsFor(work, tickets, opts.seed));
  log(`incremental: ${month} onto the months before it (${tickets.toLocaleString('en')} tickets)`);
  const alone: PipelineTrial[] = [];
  const onto: PipelineTrial[] = [];
  for (let i = 0; i < opts.runs; i++) {
    alone.push(freshPipelineTrial(increment, join(work, 'month-alone.duckdb'), join(work, 'month-alone-out')));
    log(`  the month alone: ${alone.at(-1)!.seconds.toFixed(1)} s (${stagesText(alone.at(-1)!)})`);
    const [db, out] = [join(work, 'month-onto.duckdb'), join(work, 'month-onto-out')];
    freshPipelineTrial(history, db, out); // not timed: the history a month is added to
    onto.push(runPipelineTrial(increment, db, out));
    log(`  the month onto the history: ${onto.at(-1)!.seconds.toFixed(1)} s (${stagesText(onto.at(-1)!)})`);
  }
  return { tickets, month, alone: medianTrial(alone), onto: medianTrial(onto) };
}

/** the commit measured, and whether the working tree had changes on top of it (others' edits count) */
function measuredCode(): string {
  const project = fileURLToPath(new URL('..', import.meta.url));
  const git = (...args: string[]) => spawnSync('git', args, { cwd: project, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'code outside git';
  const dirty = git('status', '--porcelain', '--untracked-files=no').stdout.trim() !== '';
  return `commit ${head.stdout.trim()}${dirty ? ' with uncommitted changes in the working tree' : ''}`;
}

function reportHeader(opts: BenchOptions, started: { at: Date; load: number; code: string }): string[] {
  const runs = opts.runs === 1 ? 'One run' : `Median of ${opts.runs} runs`;
  return [
    '# Benchmark',
    '',
    '## After (against the reference script)',
    '',
    `Measured ${started.at.toISOString().slice(0, 10)} on ${started.code}. Machine: ${cpus().length} cores; load average ${started.load.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end.${opts.note ? ` ${opts.note}` : ''}`,
    '',
    `${runs} of each, pipeline and script alternating, each in its own process, on the same exports (bench/scale-exports.ts, seed ${opts.seed}: the issue's generator, tickets.csv, revisits.csv, complaints.csv).`,
    'Script: bench/expert.cjs, the reference script of the performance issue: the six contract tables in plain DuckDB SQL, without validation, rejects or publishing; its seconds are its process\'s, start to exit.',
    "After every pair the six tables were compared (EXCEPT ALL both ways on the script's columns, doubles within 1e-9): the benchmark stops on any difference.",
    "The pipeline's seconds are its run's (runPipeline), in stages: load (from the start, opening the database included), models (with the invariants and checkpoint), publish.",
    '',
  ];
}

async function main(): Promise<void> {
  const opts = readOptions();
  const started = { at: new Date(), load: loadavg()[0]!, code: measuredCode() };
  mkdirSync(opts.work, { recursive: true });
  const results: SizeResult[] = [];
  for (const tickets of opts.sizes) results.push(await measureSize(opts.work, tickets, opts));
  const incremental = opts.incremental ? await measureIncremental(opts.work, opts.sizes[0]!, opts) : undefined;

  const lines = [...reportHeader(opts, started), ...sizeTable(results)];
  if (incremental) lines.push('', ...incrementalTable(incremental));
  if (opts.server) {
    const { serverBench } = await import('./bench-server.ts');
    lines.push('', ...(await serverBench(opts.work, log)));
  }
  lines.push(...checkTargets(results, incremental).table());
  log('');
  log(writeReport(opts.out, lines));
}

await main().catch((e: unknown) => {
  // a difference of the tables is the benchmark's finding, not a crash: its message, no stack
  process.stderr.write(`\n${e instanceof TablesDifferError ? e.message : e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
