// A thin wrapper over @duckdb/node-api: open a database, run SQL text or SQL files from queries/,
// and read results as plain JSON-safe rows.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBConnection, DuckDBInstance, type DuckDBMaterializedResult, type DuckDBValue } from '@duckdb/node-api';
import type { Config } from './config.ts';

export const QUERIES_DIR = fileURLToPath(new URL('../../queries/', import.meta.url));

const sqlCache = new Map<string, string>();
// SQ_TRACE=1 prints every statement with its time: where a slow run spends it;
// SQ_EXPLAIN=<text> prints DuckDB's profile (operators, time, rows) of the statements that contain the text
const TRACE = process.env.SQ_TRACE === '1';
const EXPLAIN = process.env.SQ_EXPLAIN;

/** The text of a SQL file under queries/, e.g. `marts/kpi_network_month.sql`. */
export function sqlFile(relativePath: string): string {
  let text = sqlCache.get(relativePath);
  if (text === undefined) {
    text = readFileSync(QUERIES_DIR + relativePath, 'utf8');
    sqlCache.set(relativePath, text);
  }
  return text;
}

/**
 * A SQL string literal. Only for the pipeline's own constants and the paths of the copies it makes,
 * never for config values or anything read from an export (a cell, a header, a file name): those
 * go in as parameters (Params), so that no value, whatever it holds (a quote, a NUL), is SQL text.
 */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export type Row = Record<string, unknown>;

/** Values for the $1, $2 … of a statement; a statement with parameters is one statement. */
export type Params = DuckDBValue[];

/**
 * The columns of a relation (a table, or a parenthesised query) as they can be written to Parquet
 * and read back printing the same: Parquet has no HUGEINT (DuckDB writes it as DOUBLE, which
 * to_json prints as 3.0), so such a column, alone or inside a list or struct, is cast to BIGINT.
 */
export async function parquetColumns(connection: DuckDBConnection, relation: string): Promise<string> {
  const columns = (await connection.runAndReadAll(`describe select * from ${relation}`)).getRows().map(([name, type]) => {
    const quoted = `"${String(name).replaceAll('"', '""')}"`;
    return String(type).includes('HUGEINT') ? `${quoted}::${String(type).replaceAll('HUGEINT', 'BIGINT')} as ${quoted}` : quoted;
  });
  return columns.join(', ');
}

export class Db {
  private constructor(
    readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(path: string, config?: Pick<Config, 'duckdb'>): Promise<Db> {
    const options: Record<string, string> = {
      // memory the allocator holds after a task is given back to the system, in the background: the
      // memory limit bounds DuckDB's buffers, not what its allocator keeps cached beside them (a full
      // build of 10M tickets peaked at 2.6 GiB of RSS under a 1.5 GB limit without this, 1.7 with it,
      // in the same time)
      allocator_background_threads: 'true',
      allocator_flush_threshold: '32MB',
      // a new database file in the storage format of DuckDB 1.3, not the default of v0.10: its
      // strings are compressed by the newer method (dictionary with FSST), which writes the model
      // tables a quarter faster (1M tickets: 15.7 s to 14.5 s a run, a 5 % larger file). Later
      // formats were no faster (measured up to v1.5), and this one any DuckDB from 1.3 on reads,
      // as other tools read the contract tables. A file made before keeps its format.
      storage_compatibility_version: 'v1.3.0',
    };
    if (config) {
      options.threads = String(config.duckdb.threads);
      options.memory_limit = config.duckdb.memory_limit;
    }
    const instance = await DuckDBInstance.create(path, options);
    const connection = await instance.connect();
    const db = new Db(instance, connection);
    await db.run(sqlFile('macros.sql'));
    return db;
  }

  async run(sql: string, params?: Params): Promise<void> {
    const started = TRACE ? performance.now() : 0;
    if (EXPLAIN && sql.includes(EXPLAIN)) {
      await this.profiled(sql, params);
    } else {
      await this.connection.run(sql, params);
    }
    if (TRACE) process.stderr.write(`[sql ${(performance.now() - started).toFixed(0)} ms] ${sql.replace(/\s+/g, ' ').slice(0, 100)}\n`);
  }

  /** Runs an insert, update or delete and returns how many rows it changed. */
  async changed(sql: string, params?: Params): Promise<number> {
    const started = TRACE ? performance.now() : 0;
    const result = EXPLAIN && sql.includes(EXPLAIN) ? await this.profiled(sql, params) : await this.connection.run(sql, params);
    if (TRACE) process.stderr.write(`[sql ${(performance.now() - started).toFixed(0)} ms] ${sql.replace(/\s+/g, ' ').slice(0, 100)}\n`);
    return result.rowsChanged;
  }

  /**
   * Runs a statement under DuckDB's profiler and prints its operators, each with its time (summed
   * over threads) and rows: an indented tree, one line per operator.
   */
  private async profiled(sql: string, params?: Params): Promise<DuckDBMaterializedResult> {
    const file = join(tmpdir(), `sq-profile-${process.pid}.json`);
    await this.connection.run(`set enable_profiling = 'json'; set profiling_output = ${sqlString(file)}`);
    let result: DuckDBMaterializedResult;
    try {
      result = await this.connection.run(sql, params);
    } finally {
      await this.connection.run(`set enable_profiling = 'no_output'`);
    }
    interface Node { operator_name?: string; operator_timing?: number; operator_cardinality?: number; extra_info?: Record<string, unknown>; children?: Node[] }
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Node & { latency?: number };
    rmSync(file, { force: true });
    const lines = [`[profile ${(profile.latency ?? 0).toFixed(2)} s] ${sql.replace(/\s+/g, ' ').slice(0, 100)}`];
    const walk = (node: Node, depth: number) => {
      if (node.operator_name) {
        const table = node.extra_info?.Table ? ` ${String(node.extra_info.Table)}` : '';
        lines.push(`${'  '.repeat(depth)}${node.operator_name.trim()}${table}: ${(node.operator_timing ?? 0).toFixed(2)} s, ${node.operator_cardinality ?? 0} rows`);
      }
      for (const child of node.children ?? []) walk(child, depth + (node.operator_name ? 1 : 0));
    };
    walk(profile, 0);
    process.stderr.write(lines.join('\n') + '\n');
    return result;
  }

  /** Rows as JSON-friendly objects: BIGINT and DECIMAL as numbers, timestamps as 'YYYY-MM-DD HH:MM:SS' text. */
  async all(sql: string, params?: Params): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map((row) => {
      const out: Row = {};
      for (const [k, v] of Object.entries(row)) out[k] = plain(v);
      return out;
    });
  }

  async value<T = unknown>(sql: string, params?: Params): Promise<T> {
    const rows = await this.all(sql, params);
    const first = rows[0];
    return (first ? Object.values(first)[0] : undefined) as T;
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.run('begin transaction');
    try {
      const result = await work();
      await this.run('commit');
      return result;
    } catch (e) {
      await this.run('rollback').catch(() => undefined);
      throw e;
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** Timestamps come back as Date objects in UTC representing the naive wall time; keep them as naive text. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return naiveTimestamp(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') {
    const out: Row = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

export function naiveTimestamp(d: Date): string {
  const iso = d.toISOString(); // the UTC fields are the naive wall-clock fields
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
