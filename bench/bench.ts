// npm run bench -- [--sizes 1000000,10000000] [--runs 3] [--seed 7] [--no-server] [--no-incremental] [--out BENCHMARK.md]
// Measures the whole pipeline against the floor (bare DuckDB reading the same files), alternating
// the two in separate processes, then the incremental month and the dashboard server. Prints a
// table and writes it to BENCHMARK.md.
//
// Owns the benchmark's plan and report. Imports the sample generator and its own two siblings
// (bench-worker.ts runs as a child process, by path); the product code never imports bench/.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateSample } from '../pipeline/sample/index.ts';

const WORK = join(tmpdir(), 'sq-bench');
/** by its own location, so that the benchmark runs from any working directory */
const WORKER = fileURLToPath(new URL('./bench-worker.ts', import.meta.url));

interface BenchOptions {
  sizes: number[];
  runs: number;
  seed: number;
  server: boolean;
  incremental: boolean;
  out: string;
}

interface Trial {
  seconds: number;
  maxRssMb: number;
}

interface SizeResult {
  tickets: number;
  pipeline: number;
  floor: number;
  rss: number;
  bytes: number;
}

/** the targets, each shown with its measured value and whether it is met */
class Targets {
  readonly rows: string[] = [];
  check(label: string, value: string, met: boolean): void {
    this.rows.push(`| ${label} | ${value} | ${met ? 'met' : 'NOT met'} |`);
  }
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
    },
  });
  return {
    sizes: values.sizes!.split(',').map(Number),
    runs: Number(values.runs),
    seed: Number(values.seed),
    server: !values['no-server'],
    incremental: !values['no-incremental'],
    out: values.out!,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function removeDatabase(db: string): void {
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
}

/** one worker process; its last stdout line is its measurement */
function runWorker(mode: 'pipeline' | 'floor', input: string, db: string, out: string): Trial {
  const child = spawnSync(process.execPath, ['--import', 'tsx', WORKER, mode, input, db, out], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`${mode} trial on ${input} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Trial;
}

/** one timed run from an empty database and output folder */
function trial(mode: 'pipeline' | 'floor', input: string, label: string): Trial {
  const db = join(WORK, `${label}.duckdb`);
  const out = join(WORK, `${label}-out`);
  removeDatabase(db);
  rmSync(out, { recursive: true, force: true });
  const result = runWorker(mode, input, db, out);
  log(`  ${mode.padEnd(8)} ${label}: ${result.seconds.toFixed(1)} s, peak ${result.maxRssMb.toFixed(0)} MB`);
  return result;
}

/** Synthetic exports with the sample's realism and mess, one canonical format (cached by size and seed). */
async function dataset(tickets: number, seed: number): Promise<string> {
  const dir = join(WORK, `data-${tickets}-${seed}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  const technicians = Math.max(60, Math.round(tickets / 360)); // ~30 completed tickets a month each
  const outlets = Math.max(10, Math.round(technicians / 8));
  log(`generating ${tickets} tickets (${technicians} technicians, ${outlets} outlets) …`);
  const started = performance.now();
  await generateSample({ outDir: dir, seed, tickets, technicians, outlets, mess: true, formats: false });
  writeFileSync(join(dir, '.complete'), '');
  log(`  generated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return dir;
}

function exportBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + (f.endsWith('.csv') ? statSync(join(dir, f)).size : 0), 0);
}

function measureSize(dir: string, tickets: number, runs: number): SizeResult {
  const pipelineTimes: Trial[] = [];
  const floorTimes: Trial[] = [];
  for (let i = 0; i < runs; i++) {
    // alternate, so that a slow spell of the machine hits both sides alike
    pipelineTimes.push(trial('pipeline', dir, `p${tickets}`));
    floorTimes.push(trial('floor', dir, `f${tickets}`));
  }
  return {
    tickets,
    pipeline: median(pipelineTimes.map((t) => t.seconds)),
    floor: median(floorTimes.map((t) => t.seconds)),
    rss: Math.max(...pipelineTimes.map((t) => t.maxRssMb)),
    bytes: exportBytes(dir),
  };
}

function sizeTable(results: readonly SizeResult[], runs: number): string[] {
  const rows = results.map(
    (r) =>
      `| ${r.tickets.toLocaleString('en')} | ${(r.bytes / 2 ** 20).toFixed(0)} MB | ${r.pipeline.toFixed(1)} | ${r.floor.toFixed(1)} | ${(r.pipeline / r.floor).toFixed(2)} | ${Math.round(r.tickets / r.pipeline).toLocaleString('en')} | ${r.rss.toFixed(0)} MB |`,
  );
  return [
    '# Benchmark',
    '',
    `Machine: ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores. Median of ${runs} runs, pipeline and floor alternating, each in its own process.`,
    'Floor: bare DuckDB `read_csv` of the same exports into a persisted database plus one KPI query.',
    '',
    '| tickets | exports | pipeline s | floor s | pipeline/floor | tickets/s | peak RSS |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ];
}

/** ratio to the floor at every size, cost growth from the smallest to the largest, peak memory at the largest */
function checkSizes(results: readonly SizeResult[], targets: Targets, lines: string[]): void {
  for (const r of results) targets.check(`pipeline/floor at ${r.tickets.toLocaleString('en')} tickets ≤ 1.3`, (r.pipeline / r.floor).toFixed(2), r.pipeline / r.floor <= 1.3);
  if (results.length >= 2) {
    const [a, b] = [results[0]!, results.at(-1)!];
    const growth = b.pipeline / a.pipeline;
    const allowed = 1.1 * (b.tickets / a.tickets);
    lines.push('', `Cost growth ${a.tickets.toLocaleString('en')} → ${b.tickets.toLocaleString('en')} tickets: ×${growth.toFixed(1)} for ×${(b.tickets / a.tickets).toFixed(0)} the data.`);
    targets.check(`cost(${b.tickets.toLocaleString('en')}) / cost(${a.tickets.toLocaleString('en')}) ≤ ${allowed.toFixed(0)}`, growth.toFixed(1), growth <= allowed);
  }
  const largest = results.at(-1);
  if (largest) targets.check(`peak RSS at ${largest.tickets.toLocaleString('en')} tickets ≤ 2.5 GiB`, `${(largest.rss / 1024).toFixed(2)} GiB`, largest.rss <= 2.5 * 1024);
}

/**
 * The last ticket month (with its revisits, and the later revisit month) split from the rest:
 * a folder of history and a folder holding just the increment.
 */
function splitIncrement(dir: string, tickets: number): { history: string; increment: string; lastMonth: string } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.csv')).sort();
  const lastMonth = files.filter((f) => f.startsWith('工单_')).at(-1)!.slice(3, 10);
  const laterMonth = files.filter((f) => f.startsWith('回访_')).at(-1)!.slice(3, 10);
  const isIncrement = (f: string) => f === `工单_${lastMonth}.csv` || f === `回访_${lastMonth}.csv` || (laterMonth > lastMonth && f === `回访_${laterMonth}.csv`);
  const history = join(WORK, `inc-history-${tickets}`);
  const increment = join(WORK, `inc-month-${tickets}`);
  for (const [target, keep] of [[history, (f: string) => !isIncrement(f)], [increment, isIncrement]] as const) {
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target);
    for (const f of files.filter(keep)) copyFileSync(join(dir, f), join(target, f));
  }
  return { history, increment, lastMonth };
}

/** the month alone into an empty database against the same month onto a year of history */
async function incrementalTable(tickets: number, opts: BenchOptions, targets: Targets): Promise<string[]> {
  const { history, increment, lastMonth } = splitIncrement(await dataset(tickets, opts.seed), tickets);
  log(`incremental: ${lastMonth} onto a year of history (${tickets} tickets)`);
  const alone: number[] = [];
  const added: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    alone.push(trial('pipeline', increment, 'inc-alone').seconds);
    // history first (not timed), then the month on top of it
    const db = join(WORK, 'inc-onto.duckdb');
    removeDatabase(db);
    runWorker('pipeline', history, db, join(WORK, 'inc-out'));
    const t = runWorker('pipeline', increment, db, join(WORK, 'inc-out'));
    log(`  month onto history: ${t.seconds.toFixed(1)} s`);
    added.push(t.seconds);
  }
  const a = median(alone);
  const o = median(added);
  targets.check('a month onto a year ≤ 2 × the month alone', (o / a).toFixed(2), o / a <= 2);
  return ['', '| incremental month | seconds |', '| --- | ---: |', `| the month alone, empty database | ${a.toFixed(1)} |`, `| the month onto a year of history | ${o.toFixed(1)} |`, `| ratio | ${(o / a).toFixed(2)} |`];
}

async function main(): Promise<void> {
  const opts = readOptions();
  mkdirSync(WORK, { recursive: true });
  const results: SizeResult[] = [];
  for (const tickets of opts.sizes) results.push(measureSize(await dataset(tickets, opts.seed), tickets, opts.runs));

  const lines = sizeTable(results, opts.runs);
  const targets = new Targets();
  checkSizes(results, targets, lines);
  if (opts.incremental) lines.push(...(await incrementalTable(opts.sizes[0]!, opts, targets)));
  if (opts.server) {
    const { serverBench } = await import('./bench-server.ts');
    lines.push('', ...(await serverBench(WORK, log)));
  }
  if (targets.rows.length > 0) lines.push('', '| target | measured | |', '| --- | ---: | --- |', ...targets.rows);

  const table = lines.join('\n') + '\n';
  writeFileSync(opts.out, table);
  log('');
  log(table);
}

await main();
