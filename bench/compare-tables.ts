// Are the pipeline's contract tables the reference script's? Both database files are attached
// read-only in one in-memory DuckDB, and each table is compared as a multiset, EXCEPT ALL both
// ways, on the columns the script's table has (the spec's, SPEC.md §4): the pipeline's tables carry
// more columns (part two), which the script knows nothing of.
//
// Doubles (the rates, composite) are first compared exactly: both sides divide the same counts, so
// nearly every value is the same to the bit. The rows left over on either side are then matched
// with a tolerance of 1e-9 on the doubles (and equality on every other column): a sum of weighted
// rates taken in another order differs in its last bits, and that is no difference. A tolerance,
// not rounding: two values a few ulps apart can round to different sides of a decimal, which would
// fail the check on noise; 1e-9 is far below any real difference (one ticket in ten million moves
// a rate by 1e-7).
//
// Owns the equality check of the benchmark. Imports the DuckDB wrapper of pipeline/common; used by
// bench.ts and its test.
import { Db, sqlIdent, sqlString, type Row } from '../pipeline/common/db.ts';

export const TOLERANCE = 1e-9;

/** the six contract tables, each with the columns that name one of its rows in a message */
export const CONTRACT_TABLES: Readonly<Record<string, readonly string[]>> = {
  kpi_technician_month: ['month', 'technician_id'],
  kpi_outlet_month: ['month', 'outlet_id'],
  kpi_network_month: ['month'],
  penalty_lines: ['month', 'technician_id', 'rule_id', 'ticket_id', 'revisit_id', 'violation_id'],
  penalty_totals: ['month', 'technician_id'],
  outlet_penalty_lines: ['month', 'outlet_id', 'ticket_id'],
};

export interface TableDifference {
  table: string;
  /** what is wrong when the table cannot be compared at all (missing, or a column missing) */
  problem?: string;
  onlyPipeline: number;
  onlyScript: number;
  /** the first differing rows of each side, by their naming columns */
  examples: { pipeline: string[]; script: string[] };
}

export class TablesDifferError extends Error {}

/** Throws, naming each differing table, its counts and a few of its rows, unless all are equal. */
export async function assertSameTables(pipelineDb: string, scriptDb: string, tables = CONTRACT_TABLES): Promise<void> {
  const differences = await compareTables(pipelineDb, scriptDb, tables);
  if (differences.length > 0) {
    throw new TablesDifferError(`the pipeline's tables are not the reference script's:\n${differences.map(describeDifference).join('\n')}`);
  }
}

export async function compareTables(pipelineDb: string, scriptDb: string, tables = CONTRACT_TABLES): Promise<TableDifference[]> {
  const db = await Db.open(':memory:');
  try {
    await db.run(`attach ${sqlString(pipelineDb)} as pipeline (read_only)`);
    await db.run(`attach ${sqlString(scriptDb)} as script (read_only)`);
    const differences: TableDifference[] = [];
    for (const [table, naming] of Object.entries(tables)) {
      const difference = await compareTable(db, table, naming);
      if (difference) differences.push(difference);
    }
    return differences;
  } finally {
    db.close();
  }
}

export function describeDifference(d: TableDifference): string {
  if (d.problem) return `  ${d.table}: ${d.problem}`;
  const side = (label: string, rows: string[]) => (rows.length > 0 ? [`${label}: ${rows.join(', ')}`] : []);
  const examples = [...side("only in the pipeline's", d.examples.pipeline), ...side("only in the script's", d.examples.script)];
  return `  ${d.table}: ${d.onlyPipeline} rows only in the pipeline's, ${d.onlyScript} only in the script's; for example ${examples.join('; ')}`;
}

interface Column {
  name: string;
  isDouble: boolean;
}

async function columnsOf(db: Db, database: 'pipeline' | 'script', table: string): Promise<Map<string, string>> {
  const rows = await db.all(
    'select column_name, data_type from duckdb_columns() where database_name = $1 and schema_name = $2 and table_name = $3 order by column_index',
    [database, 'main', table],
  );
  return new Map(rows.map((r) => [String(r.column_name), String(r.data_type)]));
}

/** the script's columns, each marked as a double when either side stores it as one */
async function comparedColumns(db: Db, table: string): Promise<Column[] | string> {
  const script = await columnsOf(db, 'script', table);
  const pipeline = await columnsOf(db, 'pipeline', table);
  if (script.size === 0) return "missing from the script's database";
  if (pipeline.size === 0) return "missing from the pipeline's database";
  const missing = [...script.keys()].filter((c) => !pipeline.has(c));
  if (missing.length > 0) return `the pipeline's table has no column ${missing.join(', ')}`;
  const isDouble = (type: string | undefined) => type === 'DOUBLE' || type === 'FLOAT';
  return [...script.keys()].map((name) => ({ name, isDouble: isDouble(script.get(name)) || isDouble(pipeline.get(name)) }));
}

async function compareTable(db: Db, table: string, naming: readonly string[]): Promise<TableDifference | undefined> {
  const columns = await comparedColumns(db, table);
  if (typeof columns === 'string') return { table, problem: columns, onlyPipeline: 0, onlyScript: 0, examples: { pipeline: [], script: [] } };
  await db.run(`create or replace temp table differing as ${differingRowsSql(table, columns)}`);
  const counts = await db.all('select side, count(*) as n from differing group by side');
  if (counts.length === 0) return undefined;
  const count = (side: string) => Number(counts.find((c) => c.side === side)?.n ?? 0);
  const named = naming.filter((n) => columns.some((c) => c.name === n)).map(sqlIdent).join(', ');
  // the first two rows of each side, so that a row on one side can be seen beside its counterpart
  const examples = await db.all(`select side, ${named} from differing qualify row_number() over (partition by side order by ${named}) <= 2 order by side, ${named}`);
  return {
    table,
    onlyPipeline: count('pipeline'),
    onlyScript: count('script'),
    examples: { pipeline: namesOf(examples, 'pipeline'), script: namesOf(examples, 'script') },
  };
}

/** rows of one side as "(month=2026-03, technician_id=E2)" */
function namesOf(rows: readonly Row[], side: string): string[] {
  return rows.filter((r) => r.side === side).map((r) => `(${Object.entries(r).slice(1).map(([n, v]) => `${n}=${v ?? 'null'}`).join(', ')})`);
}

/**
 * The rows of one side that the other side lacks: exact EXCEPT ALL both ways, then the leftovers
 * that have a partner within the tolerance on the other side's leftovers are let go.
 */
function differingRowsSql(table: string, columns: readonly Column[]): string {
  const list = columns.map((c) => sqlIdent(c.name)).join(', ');
  const close = columns
    .map((c) => {
      const [a, b] = [`a.${sqlIdent(c.name)}`, `b.${sqlIdent(c.name)}`];
      return c.isDouble ? `((${a} is null and ${b} is null) or abs(${a} - ${b}) <= ${TOLERANCE})` : `${a} is not distinct from ${b}`;
    })
    .join(' and ');
  const name = sqlIdent(table);
  return `
    with only_pipeline as (select ${list} from pipeline.main.${name} except all select ${list} from script.main.${name}),
         only_script as (select ${list} from script.main.${name} except all select ${list} from pipeline.main.${name})
    select 'pipeline' as side, a.* from only_pipeline a where not exists (select 1 from only_script b where ${close})
    union all
    select 'script' as side, a.* from only_script a where not exists (select 1 from only_pipeline b where ${close})`;
}
