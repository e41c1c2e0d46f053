// npm run bench -- [--sizes 1000000,10000000] [--runs 3] [--no-server] [--no-incremental]
// Measures the whole pipeline against the floor (bare DuckDB reading the same files), alternating
// the two in separate processes, then the incremental month and the dashboard server. Prints a
// table and writes it to BENCHMARK.md.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSample } from '../pipeline/sample/index.ts';

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
const sizes = values.sizes!.split(',').map(Number);
const runs = Number(values.runs);
const seed = Number(values.seed);
const work = join(tmpdir(), 'sq-bench');
mkdirSync(work, { recursive: true });

interface Trial {
  seconds: number;
  maxRssMb: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function trial(mode: 'pipeline' | 'floor', input: string, label: string): Trial {
  const db = join(work, `${label}.duckdb`);
  const out = join(work, `${label}-out`);
  rmSync(db, { force: true });
  rmSync(`${db}.wal`, { force: true });
  rmSync(out, { recursive: true, force: true });
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'bench/bench-worker.ts', mode, input, db, out], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`${mode} trial failed: ${child.stderr}`);
  const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Trial;
  log(`  ${mode.padEnd(8)} ${label}: ${result.seconds.toFixed(1)} s, peak ${result.maxRssMb.toFixed(0)} MB`);
  return result;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Synthetic exports with the sample's realism and mess, one canonical format (cached by size and seed). */
async function dataset(tickets: number): Promise<string> {
  const dir = join(work, `data-${tickets}-${seed}`);
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

const rows: string[] = [];
const results: { tickets: number; pipeline: number; floor: number; rss: number; bytes: number }[] = [];

for (const tickets of sizes) {
  const dir = await dataset(tickets);
  const bytes = readdirSync(dir).reduce((n, f) => n + (f.endsWith('.csv') ? statSync(join(dir, f)).size : 0), 0);
  const pipelineTimes: Trial[] = [];
  const floorTimes: Trial[] = [];
  for (let i = 0; i < runs; i++) {
    // alternate, so that a slow spell of the machine hits both sides alike
    pipelineTimes.push(trial('pipeline', dir, `p${tickets}`));
    floorTimes.push(trial('floor', dir, `f${tickets}`));
  }
  const p = median(pipelineTimes.map((t) => t.seconds));
  const f = median(floorTimes.map((t) => t.seconds));
  const rss = Math.max(...pipelineTimes.map((t) => t.maxRssMb));
  results.push({ tickets, pipeline: p, floor: f, rss, bytes });
  rows.push(`| ${tickets.toLocaleString('en')} | ${(bytes / 2 ** 20).toFixed(0)} MB | ${p.toFixed(1)} | ${f.toFixed(1)} | ${(p / f).toFixed(2)} | ${Math.round(tickets / p).toLocaleString('en')} | ${rss.toFixed(0)} MB |`);
}

const lines = [
  '# Benchmark',
  '',
  `Machine: ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores. Median of ${runs} runs, pipeline and floor alternating, each in its own process.`,
  'Floor: bare DuckDB `read_csv` of the same exports into a persisted database plus one KPI query.',
  '',
  '| tickets | exports | pipeline s | floor s | pipeline/floor | tickets/s | peak RSS |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows,
];
// the targets, each shown with its measured value and whether it is met
const targets: string[] = [];
const check = (label: string, value: string, met: boolean) => targets.push(`| ${label} | ${value} | ${met ? 'met' : 'NOT met'} |`);
for (const r of results) check(`pipeline/floor at ${r.tickets.toLocaleString('en')} tickets ≤ 1.3`, (r.pipeline / r.floor).toFixed(2), r.pipeline / r.floor <= 1.3);
if (results.length >= 2) {
  const [a, b] = [results[0]!, results.at(-1)!];
  const growth = b.pipeline / a.pipeline;
  const allowed = 1.1 * (b.tickets / a.tickets);
  lines.push('', `Cost growth ${a.tickets.toLocaleString('en')} → ${b.tickets.toLocaleString('en')} tickets: ×${growth.toFixed(1)} for ×${(b.tickets / a.tickets).toFixed(0)} the data.`);
  check(`cost(${b.tickets.toLocaleString('en')}) / cost(${a.tickets.toLocaleString('en')}) ≤ ${allowed.toFixed(0)}`, growth.toFixed(1), growth <= allowed);
}
const largest = results.at(-1);
if (largest) check(`peak RSS at ${largest.tickets.toLocaleString('en')} tickets ≤ 2.5 GiB`, `${(largest.rss / 1024).toFixed(2)} GiB`, largest.rss <= 2.5 * 1024);

if (!values['no-incremental']) {
  const tickets = sizes[0]!;
  const dir = await dataset(tickets);
  const files = readdirSync(dir).filter((f) => f.endsWith('.csv')).sort();
  const lastMonth = files.filter((f) => f.startsWith('工单_')).at(-1)!.slice(3, 10);
  const laterMonth = files.filter((f) => f.startsWith('回访_')).at(-1)!.slice(3, 10);
  const isIncrement = (f: string) => f === `工单_${lastMonth}.csv` || f === `回访_${lastMonth}.csv` || (laterMonth > lastMonth && f === `回访_${laterMonth}.csv`);
  const history = join(work, `inc-history-${tickets}`);
  const increment = join(work, `inc-month-${tickets}`);
  for (const [target, keep] of [[history, (f: string) => !isIncrement(f)], [increment, isIncrement]] as const) {
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target);
    for (const f of files.filter(keep)) copyFileSync(join(dir, f), join(target, f));
  }
  log(`incremental: ${lastMonth} onto a year of history (${tickets} tickets)`);
  const alone: number[] = [];
  const added: number[] = [];
  for (let i = 0; i < runs; i++) {
    alone.push(trial('pipeline', increment, 'inc-alone').seconds);
    // history first (not timed), then the month on top of it
    const db = join(work, 'inc-onto.duckdb');
    rmSync(db, { force: true });
    rmSync(`${db}.wal`, { force: true });
    const h = spawnSync(process.execPath, ['--import', 'tsx', 'bench/bench-worker.ts', 'pipeline', history, db, join(work, 'inc-out')], { encoding: 'utf8' });
    if (h.status !== 0) throw new Error(h.stderr);
    const onto = spawnSync(process.execPath, ['--import', 'tsx', 'bench/bench-worker.ts', 'pipeline', increment, db, join(work, 'inc-out')], { encoding: 'utf8' });
    if (onto.status !== 0) throw new Error(onto.stderr);
    const t = JSON.parse(onto.stdout.trim().split('\n').at(-1)!) as Trial;
    log(`  month onto history: ${t.seconds.toFixed(1)} s`);
    added.push(t.seconds);
  }
  const a = median(alone);
  const o = median(added);
  lines.push('', '| incremental month | seconds |', '| --- | ---: |', `| the month alone, empty database | ${a.toFixed(1)} |`, `| the month onto a year of history | ${o.toFixed(1)} |`, `| ratio | ${(o / a).toFixed(2)} |`);
  check('a month onto a year ≤ 2 × the month alone', (o / a).toFixed(2), o / a <= 2);
}

if (!values['no-server']) {
  const { serverBench } = await import('./bench-server.ts');
  lines.push('', ...(await serverBench(work, log)));
}

if (targets.length > 0) lines.push('', '| target | measured | |', '| --- | ---: | --- |', ...targets);
const table = lines.join('\n') + '\n';
writeFileSync(values.out!, table);
log('');
log(table);
