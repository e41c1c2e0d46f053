// The benchmark's report: its tables in Markdown, the issue's targets each with its measured value
// and verdict, and BENCHMARK.md rewritten with its "Before" section (the measurements against the
// old floor) kept as it was.
//
// Owns the report's wording and layout; imports nothing of the project but types; used by bench.ts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { PipelineTrial } from './trials.ts';

export interface SizeResult {
  tickets: number;
  exportBytes: number;
  runs: number;
  /** the pipeline run of median seconds, whose stages are shown */
  pipeline: PipelineTrial;
  scriptSeconds: number;
  /** the largest over the runs */
  pipelineRssMb: number;
  scriptRssMb: number;
}

export interface IncrementalResult {
  tickets: number;
  month: string;
  /** median runs: the month into an empty database, and onto the history */
  alone: PipelineTrial;
  onto: PipelineTrial;
}

/** the issue's targets (ratios to the reference script, memory, incremental month) */
const TARGET = { ratio: 1.5, ratioAtTickets: [1_000_000, 10_000_000], rssGiB: 2, rssAtTickets: 10_000_000, incremental: 1.3 };

/** the section of BENCHMARK.md that a new report keeps below itself */
const BEFORE_HEADING = '## Before (floor = bare read_csv)';

const count = (n: number) => n.toLocaleString('en');
const secondsText = (s: number) => s.toFixed(1);
const megabytes = (mb: number) => `${mb.toFixed(0)} MB`;

export class Targets {
  readonly rows: string[] = [];
  check(label: string, value: string, met: boolean): void {
    this.rows.push(`| ${label} | ${value} | ${met ? 'met' : 'NOT met'} |`);
  }

  /** a target whose size was not run: no verdict, the nearest figure for what it is worth */
  notMeasured(label: string, nearest?: string): void {
    this.rows.push(`| ${label} | not measured${nearest ? ` (${nearest})` : ''} | – |`);
  }

  table(): string[] {
    return this.rows.length === 0 ? [] : ['', '| target | measured | |', '| --- | ---: | --- |', ...this.rows];
  }
}

export function sizeTable(results: readonly SizeResult[]): string[] {
  const rows = results.map((r) => {
    const p = r.pipeline;
    return `| ${count(r.tickets)} | ${megabytes(r.exportBytes / 2 ** 20)} | ${secondsText(p.seconds)} | ${secondsText(r.scriptSeconds)} | ${(p.seconds / r.scriptSeconds).toFixed(2)} | ${secondsText(p.stages.load)} | ${secondsText(p.stages.models)} | ${secondsText(p.stages.publish)} | ${megabytes(r.pipelineRssMb)} | ${megabytes(r.scriptRssMb)} | equal in ${r.runs} of ${r.runs} |`;
  });
  const lines = [
    '| tickets | exports | pipeline s | script s | pipeline/script | load s | models s | publish s | pipeline peak RSS | script peak RSS | six tables |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
  ];
  if (results.length >= 2) {
    const [a, b] = [results[0]!, results.at(-1)!];
    const growth = b.pipeline.seconds / a.pipeline.seconds;
    lines.push('', `Pipeline cost growth ${count(a.tickets)} → ${count(b.tickets)} tickets: ×${growth.toFixed(1)} for ×${(b.tickets / a.tickets).toFixed(0)} the data.`);
  }
  return lines;
}

export function incrementalTable(r: IncrementalResult): string[] {
  const row = (label: string, t: PipelineTrial) =>
    `| ${label} | ${secondsText(t.seconds)} | ${secondsText(t.stages.load)} | ${secondsText(t.stages.models)} | ${secondsText(t.stages.publish)} | ${megabytes(t.maxRssMb)} |`;
  return [
    `Incremental month at ${count(r.tickets)} tickets: ${r.month}, the rows of the three exports dated in it (tickets by created_at, revisits by revisit_at, complaints by received_at, and the few dated in the month after), loaded by the pipeline alone into an empty database, and onto the history of every row dated before it (loaded first, not timed).`,
    '',
    '| incremental month | pipeline s | load s | models s | publish s | peak RSS |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('the month alone, empty database', r.alone),
    row('the month onto the history', r.onto),
    `| ratio | ${(r.onto.seconds / r.alone.seconds).toFixed(2)} | | | | |`,
  ];
}

/** every target measured; one measured at another size than the issue's says so */
export function checkTargets(results: readonly SizeResult[], incremental: IncrementalResult | undefined): Targets {
  const targets = new Targets();
  for (const r of results) {
    const ratio = r.pipeline.seconds / r.scriptSeconds;
    targets.check(`pipeline/script at ${count(r.tickets)} tickets ≤ ${TARGET.ratio}`, ratio.toFixed(2), ratio <= TARGET.ratio);
  }
  for (const tickets of TARGET.ratioAtTickets.filter((t) => !results.some((r) => r.tickets === t))) {
    targets.notMeasured(`pipeline/script at ${count(tickets)} tickets ≤ ${TARGET.ratio}`);
  }
  const largest = results.at(-1);
  if (largest) {
    const label = `pipeline peak RSS at ${count(TARGET.rssAtTickets)} tickets ≤ ${TARGET.rssGiB} GiB`;
    const gib = (largest.pipelineRssMb / 1024).toFixed(2);
    if (largest.tickets === TARGET.rssAtTickets) targets.check(label, `${gib} GiB`, largest.pipelineRssMb / 1024 <= TARGET.rssGiB);
    else targets.notMeasured(label, `${gib} GiB at ${count(largest.tickets)}`);
  }
  if (incremental) {
    const ratio = incremental.onto.seconds / incremental.alone.seconds;
    targets.check(`a month onto the history ≤ ${TARGET.incremental} × the month alone`, ratio.toFixed(2), ratio <= TARGET.incremental);
  }
  return targets;
}

/** The report, then the file's "Before" section as it was, when it has one. */
export function writeReport(file: string, lines: readonly string[]): string {
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = previous.indexOf(BEFORE_HEADING);
  const text = `${lines.join('\n')}\n${at >= 0 ? `\n${previous.slice(at)}` : ''}`;
  writeFileSync(file, text);
  return text;
}
