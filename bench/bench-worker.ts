// One timed pipeline run of the benchmark, in its own process so that its peak memory is its own:
//   bench-worker.ts INPUT DB OUT
// Prints one JSON line: { seconds, maxRssMb, stages: { load, models, publish } }. The stages are
// timed by the run's own progress stages (pipeline/run.ts): load from the start of the run
// (opening the database included) to the model build; models up to the publish (the invariants,
// the checkpoint and the reject summary included); publish to the end. They add up to seconds.
//
// Owns one measured run. Imports the product pipeline (config, progress, run) and the trial's
// type; spawned by trials.ts, imported by nothing.
import { defaultConfig } from '../pipeline/common/config.ts';
import { Progress } from '../pipeline/common/progress.ts';
import { runPipeline } from '../pipeline/run.ts';
import type { PipelineTrial } from './trials.ts';

/** A silent progress that notes when each stage of the run starts. */
class StageClock extends Progress {
  readonly startedAt = new Map<string, number>();

  constructor() {
    super({ out: null });
  }

  override stage(name: string, detail?: string): void {
    this.startedAt.set(name, performance.now());
    super.stage(name, detail);
  }
}

async function timedRun(input: string, db: string, out: string): Promise<PipelineTrial> {
  const clock = new StageClock();
  const started = performance.now();
  await runPipeline({ input, db, out, config: defaultConfig(), progress: clock });
  const ended = performance.now();
  const at = (stage: string) => {
    const t = clock.startedAt.get(stage);
    if (t === undefined) throw new Error(`the run never reported its ${stage} stage: have the stage names of pipeline/run.ts changed?`);
    return t;
  };
  const seconds = (from: number, to: number) => (to - from) / 1000;
  return {
    seconds: seconds(started, ended),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    stages: { load: seconds(started, at('models')), models: seconds(at('models'), at('publish')), publish: seconds(at('publish'), ended) },
  };
}

const [input, db, out] = process.argv.slice(2);
if (!input || !db || !out) {
  process.stderr.write('usage: bench-worker.ts INPUT DB OUT\n');
  process.exit(2);
}
process.stdout.write(JSON.stringify(await timedRun(input, db, out)) + '\n');
