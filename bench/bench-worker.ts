// One timed trial of the benchmark, in its own process so that its peak memory is its own:
//   pipeline <input> <db> <out>   the whole pipeline (load, validate, KPIs, penalties, publish)
//   floor <input> <db>            bare DuckDB: read_csv of the same exports into a persisted
//                                 database, plus one KPI query — the fastest this stack can go
// Prints one JSON line: { seconds, maxRssMb }.
//
// Owns one measured run. Imports the product pipeline (config, run) and DuckDB; spawned by
// bench.ts, imported by nothing.
import { DuckDBInstance } from '@duckdb/node-api';
import { defaultConfig } from '../pipeline/common/config.ts';
import { runPipeline } from '../pipeline/run.ts';

const [mode, input, db, out] = process.argv.slice(2);

async function floor(inputDir: string, dbPath: string): Promise<void> {
  const config = defaultConfig();
  const instance = await DuckDBInstance.create(dbPath, { threads: String(config.duckdb.threads), memory_limit: config.duckdb.memory_limit });
  const connection = await instance.connect();
  const files = (prefix: string) => `'${inputDir}/${prefix}*.csv'`;
  await connection.run(`create table tickets as select * from read_csv(${files('工单')}, header = true, union_by_name = true, delim = ',', quote = '"', escape = '"', ignore_errors = true)`);
  await connection.run(`create table revisits as select * from read_csv(${files('回访')}, header = true, union_by_name = true, delim = ',', quote = '"', escape = '"', ignore_errors = true)`);
  await connection.run(`create table complaints as select * from read_csv(${files('投诉')}, header = true, union_by_name = true, delim = ',', quote = '"', escape = '"', ignore_errors = true)`);
  // one KPI: monthly revisit coverage of completed tickets
  // the sniffer may leave a column as text when an export holds a bad value: cast in the query
  await connection.run(`
    create table kpi as
    with t as (
      select 工单号 as ticket_id, try_cast(完工时间 as timestamp) as completed_at
      from tickets where 工单状态 = '已完成'
    ),
    r as (
      select 工单号 as ticket_id, try_cast(回访时间 as timestamp) as revisit_at from revisits
    )
    select strftime(t.completed_at, '%Y-%m') as month, count(*) as completed,
           count(*) filter (where exists (
             select 1 from r
             where r.ticket_id = t.ticket_id and r.revisit_at between t.completed_at and t.completed_at + interval 72 hour)) as covered
    from t
    group by all`);
  await connection.run('checkpoint');
  connection.closeSync();
  instance.closeSync();
}

const started = performance.now();
if (mode === 'pipeline') {
  await runPipeline({ input: input!, db: db!, out: out!, config: defaultConfig() });
} else if (mode === 'floor') {
  await floor(input!, db!);
} else {
  process.stderr.write('usage: bench-worker.ts pipeline|floor INPUT DB [OUT]\n');
  process.exit(2);
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
