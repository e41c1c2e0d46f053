// Where the typed rows of a read are kept while the load's transaction stores them: in a DuckDB
// in-memory database of their own, made by a connection of its own outside that transaction.
//
// Why not a temporary table of the load's connection: DuckDB scans the rows a transaction wrote
// itself on one thread (it plans a scan's threads by the table's committed rows), so every
// statement over the typed rows (the repeated keys, the stored matches, the insert into the stored
// table) ran on one core. Rows committed by another connection are scanned on all of them (1M
// tickets: the tickets' insert 1.05 s against 0.55 s; 10M: 12.7 s against 6.4 s). The load's
// transaction still holds every change to the stored tables, so a failed or killed run leaves them
// as they were; the typed rows are made from the file alone and are thrown away after the load.
//
// Each read gets a database attached for it alone: the load's transaction sees the tables of a
// database as they were when it first read from it, so a table added later to one it has read
// would stay invisible to it. They are detached once the load's transaction has ended.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Db } from '../common/db.ts';

/** The typed rows of one read, as the load's connection reads them. */
export interface TypedRead {
  /** the table of the typed rows, in the reader's order (rowid from 0) */
  rows: string;
}

// the tables DuckDB's reader leaves its rejects in (read.ts: readerOf)
const REJECTS_TABLES = ['reader_errors', 'reader_scans'];

export class TypedReads {
  private connection: DuckDBConnection | null = null;
  private readonly attached: string[] = [];

  constructor(private readonly db: Db) {}

  /**
   * Runs a read: inputView (SQL making the temporary view input_text over the reader) and then the
   * typing query over it, into a new database. The reader's rejects tables (reader_errors,
   * reader_scans) are copied beside the rows and shown to the load's connection as temporary
   * views of the same names. The reader's error when it stops (nothing is kept then).
   */
  async read(inputView: string, typing: string): Promise<TypedRead | Error> {
    const connection = (this.connection ??= await this.db.instance.connect());
    const database = `load_typed_${this.attached.length + 1}`;
    await connection.run(REJECTS_TABLES.map((table) => `drop table if exists temp.${table};`).join(' '));
    await connection.run(inputView);
    await connection.run(`attach ':memory:' as ${database}`);
    this.attached.push(database);
    try {
      await connection.run(`create table ${database}.rows as ${typing}`);
    } catch (e) {
      return e as Error;
    }
    // every table made before the load's connection first reads the database (see above)
    for (const table of REJECTS_TABLES) await connection.run(`create table ${database}.${table} as select * from temp.${table}`);
    for (const table of REJECTS_TABLES) await this.db.run(`create or replace temp view ${table} as select * from ${database}.${table}`);
    return { rows: `${database}.rows` };
  }

  /**
   * Detaches the databases and closes the connection, once the load's transaction has ended
   * (committed or rolled back). Best effort: the databases are in memory and go with the process
   * anyway, and a failure here must not hide the load's own outcome.
   */
  async release(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (!connection) return;
    try {
      for (const database of this.attached.splice(0)) await connection.run(`detach database if exists ${database}`);
    } catch {
      // the process ends with them
    } finally {
      connection.closeSync();
    }
  }
}
