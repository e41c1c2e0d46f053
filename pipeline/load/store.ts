// Typed rows into the stored tables (the kind's table in kinds.ts, its columns in queries/schema.sql):
// the view typed_rows that a read leaves (read-alone.ts, read-together.ts) is rejected, de-duplicated
// and stored, each row that is not stored in load_rejects with its line, column, reason and raw line;
// then each file's batch is recorded in load_batches, once rows read = loaded + rejected is checked.
import { sqlIdent, sqlString, type Db } from '../common/db.ts';
import { sensitiveColumns, type KindDef } from './kinds.ts';
import { FatalLoadError, type LoadedFile } from './outcome.ts';
import type { FilePlan } from './plan.ts';
import { readerOf } from './read.ts';
import { RAW_LINE_CHARS, rawLineOf, readLines } from './rejects.ts';
import { markRowMonths, type StaleMonthsMarking } from './stale-months.ts';

// rejected rows whose raw lines are read from the files by line number; above it, DuckDB reads
// the files with rejected rows again
const MAX_RAW_LINES_READ = 10_000;

/** A file whose rows are in typed_rows: its plan, its batch, and its index there (file_index). */
export interface StoredFile {
  plan: FilePlan;
  batchId: number;
  fileIndex: number;
}

/**
 * How a rejected row's raw line is found: 'lines', from the file by its line number (each record
 * one line), or the SQL that reads the cells of the given files again.
 */
export type RawRows = ((plans: FilePlan[]) => string) | 'lines';

// a typed row that is valid: the typing query found no problem with it
const LOADABLE = `problem is null`;

/**
 * Rejects, de-duplicates and stores the rows of the view typed_rows (file_index, batch_id, file,
 * source_line, row_index and the typed columns; the rows of the given files, no key in two of
 * them). rawRows reads the cells of the files that have a rejected row again, for its raw line.
 * Returns each file's outcome, after checking rows read = loaded + rejected.
 */
export async function storeRows(db: Db, files: StoredFile[], rawRows: RawRows, options: { repeats?: string; staleMonths: StaleMonthsMarking }): Promise<LoadedFile[]> {
  const kind = files[0]!.plan.kind;
  const repeats = await findRepeatedKeys(db, kind, options.repeats);
  const matches = await findStoredMatches(db, kind);
  const dropped = await findDroppedRows(db, kind, repeats, matches);
  await rejectRows(db, files, rawRows, dropped);
  const rowsStored = await storeIncoming(db, kind, dropped, matches, options.staleMonths);
  return recordBatches(db, files, rowsStored);
}

/**
 * A key given twice in a file: the first row is the candidate, the repeats are rejected. Found
 * by grouping (a hash aggregate), not by numbering every row: repeats are rare. Files read
 * together found the keys given more than once among all of them already (the table repeats).
 * Returns how many keys repeat (repeated_keys).
 */
async function findRepeatedKeys(db: Db, kind: KindDef, repeatsTable: string | undefined): Promise<number> {
  const key = sqlIdent(kind.key);
  const candidates = repeatsTable ? await db.value<number>(`select count(*) from ${repeatsTable}`) : 1;
  await db.run(`
    create or replace temp table repeated_keys as
    select file_index, ${key}, min(row_index) as first_row
    from typed_rows where ${LOADABLE}
      ${repeatsTable ? `and ${key} in (select ${key} from ${repeatsTable})` : ''}
      ${candidates === 0 ? 'and false' : ''}
    group by file_index, ${key} having count(*) > 1`);
  return candidates === 0 ? 0 : await db.value<number>(`select count(*) from repeated_keys`);
}

/**
 * The stored rows that share a key with a valid row of the files (stored_matches): one scan of
 * the stored key column, joined to the files' keys (the smaller side is hashed); whole rows only
 * for matches. The files' key range, as constants (getvariable folds to one), lets the scan skip
 * the stored blocks outside it (exports are mostly by month, so are their keys): the join alone
 * does not, on rows stored earlier in the same transaction, and that scan grew with every file.
 * The range goes from the typed rows to the variables in SQL: a key is never SQL text.
 * (every kind's key is text; no valid row, a null range and no match)
 */
async function findStoredMatches(db: Db, kind: KindDef): Promise<number> {
  const key = sqlIdent(kind.key);
  const table = sqlIdent(kind.table);
  await db.run(`
    set variable load_key_range = (select {'low': min(${key}), 'high': max(${key})} from typed_rows where ${LOADABLE})`);
  await db.run(`
    create or replace temp table stored_match_keys as
    select distinct stored.${key} from ${table} as stored join typed_rows as t on t.${key} = stored.${key} and t.${LOADABLE}
    where stored.${key} between getvariable('load_key_range').low and getvariable('load_key_range').high`);
  const matches = await db.value<number>(`select count(*) from stored_match_keys`);
  await db.run(`
    create or replace temp table stored_matches as
    select stored.* from ${table} as stored
    where ${matches > 0 ? `stored.${key} in (select ${key} from stored_match_keys)` : 'false'}`);
  return matches;
}

/**
 * The valid rows that are not stored, with their reason (dropped_rows): repeats of a key in the
 * file, and candidates older than the stored row (a stored row wins only when both carry
 * updated_at and the stored one is newer). Few rows, found by joins to the few keys concerned.
 */
async function findDroppedRows(db: Db, kind: KindDef, repeats: number, matches: number): Promise<number> {
  const key = sqlIdent(kind.key);
  const hasUpdatedAt = kind.columns.some((c) => c.name === 'updated_at');
  await db.run(`
    create or replace temp table dropped_rows as
    ${repeats > 0 ? `select t.file_index, t.row_index, ${sqlString(kind.key)} as column_name, 'duplicate_key' as reason, t.${key} as value
    from typed_rows as t join repeated_keys as r on r.file_index = t.file_index and r.${key} = t.${key}
    where t.${LOADABLE} and t.row_index <> r.first_row
    union all
    ` : ''}${hasUpdatedAt && matches > 0 ? `select t.file_index, t.row_index, 'updated_at' as column_name, 'stale_version' as reason, strftime(t.updated_at, '%Y-%m-%d %H:%M:%S') as value
    from typed_rows as t
    join stored_matches as stored on stored.${key} = t.${key}
    left join repeated_keys as r on r.file_index = t.file_index and r.${key} = t.${key}
    where t.${LOADABLE} and stored.updated_at > t.updated_at and t.row_index = coalesce(r.first_row, t.row_index)` : `select null::integer as file_index, null::bigint as row_index, null::varchar as column_name, null::varchar as reason, null::varchar as value where false`}`);
  return repeats > 0 || (hasUpdatedAt && matches > 0) ? await db.value<number>(`select count(*) from dropped_rows`) : 0;
}

/** Every rejected row of the files into load_rejects, with its file, line, column, reason, value and raw line. */
async function rejectRows(db: Db, files: StoredFile[], rawRows: RawRows, dropped: number): Promise<void> {
  await db.run(`
    create or replace temp table rejected_rows as
    select file_index, batch_id, row_index, source_line, problem.column as column_name, problem.reason, problem.value
    from typed_rows where problem is not null
    ${dropped > 0 ? `union all
    select t.file_index, t.batch_id, t.row_index, t.source_line, d.column_name, d.reason, d.value
    from typed_rows as t join dropped_rows as d on d.file_index = t.file_index and d.row_index = t.row_index` : ''}`);
  const rejected = await db.all(`select file_index, row_index, source_line from rejected_rows order by file_index, source_line`);
  await db.run(`create or replace temp table rejected_raw (file_index integer, row_index bigint, raw_line varchar)`);
  if (rejected.length > 0) {
    const byFile = new Map<number, { row: number; line: number }[]>();
    for (const r of rejected) {
      const i = Number(r.file_index);
      byFile.set(i, [...(byFile.get(i) ?? []), { row: Number(r.row_index), line: Number(r.source_line) }]);
    }
    // their raw lines: read from the files by line number when each record is one line, else the
    // files with a rejected row are read again
    if (rawRows === 'lines' && rejected.length <= MAX_RAW_LINES_READ) await rawLinesByLine(db, files, byFile);
    else await rawLinesReadAgain(db, files[0]!.plan, files.filter((f) => byFile.has(f.fileIndex)), rawRows);
  }
  // the value of the rejected cell as it may be shown: a sensitive column's masked, any other's
  // with the phone numbers in it masked
  const sensitive = sensitiveColumns(files[0]!.plan.kind).map(sqlString).join(', ');
  await db.run(
    `
    insert into load_rejects
    select rejected.batch_id, files.file, rejected.source_line, rejected.column_name, rejected.reason,
           shown_reject_value(rejected.value, rejected.column_name in (${sensitive || 'null'})),
           mask_phone_numbers(raw.raw_line)
    from rejected_rows as rejected
    join rejected_raw as raw on raw.file_index = rejected.file_index and raw.row_index = rejected.row_index
    join (values ${files.map((f, i) => `(${f.batchId}, $${i + 1}::varchar)`).join(', ')}) as files(batch_id, file) on files.batch_id = rejected.batch_id`,
    files.map((f) => f.plan.file),
  );
}

/**
 * The positions of the file columns left out of a rejected row's raw line (in the database only):
 * the customer's phone number; any other phone number in it is masked.
 */
function piiIndexesOf(plan: FilePlan): Set<number> {
  const { mapping } = plan;
  const duplicatesOf = (column: string) => mapping.duplicates.filter((d) => d.column === column).map((d) => d.index);
  return new Set(['customer_phone'].flatMap((c) => [mapping.columns.get(c), ...duplicatesOf(c)]).filter((i): i is number => i !== undefined));
}

/** The rejected rows' raw lines, read from their files by line number, into rejected_raw. */
async function rawLinesByLine(db: Db, files: StoredFile[], byFile: Map<number, { row: number; line: number }[]>): Promise<void> {
  const { delimiter } = files[0]!.plan;
  const piiIndexes = piiIndexesOf(files[0]!.plan);
  const appender = await db.connection.createAppender('rejected_raw', 'main', 'temp');
  try {
    for (const f of files.filter((f) => byFile.has(f.fileIndex))) {
      const wanted = byFile.get(f.fileIndex)!;
      const texts = await readLines(f.plan.csvPath, wanted.map((w) => w.line));
      wanted.forEach((w, k) => {
        appender.appendInteger(f.fileIndex);
        appender.appendBigInt(BigInt(w.row));
        appender.appendVarchar(rawLineOf(texts[k] ?? '', delimiter, piiIndexes));
        appender.endRow();
      });
    }
  } finally {
    appender.closeSync();
  }
}

/**
 * The rejected rows' raw lines, from their cells: the files with a rejected row are read again
 * (with the reader of plan, the first file's: the files share their header).
 */
async function rawLinesReadAgain(db: Db, plan: FilePlan, withRejects: StoredFile[], rawRows: RawRows): Promise<void> {
  const piiIndexes = piiIndexesOf(plan);
  const fileColumns = plan.headers.map((_, i) => `c${i + 1}`);
  const rawLine = `left(concat_ws(${sqlString(plan.delimiter)}, ${fileColumns.map((c, i) => (piiIndexes.has(i) ? `'***'` : `coalesce(r.${c}, '')`)).join(', ')}), ${RAW_LINE_CHARS})`;
  const fileIndex = withRejects.length === 1 ? String(withRejects[0]!.fileIndex) : `case f.filename ${withRejects.map((f) => `when ${sqlString(f.plan.readPath)} then ${f.fileIndex}`).join(' ')} end`;
  const reread = rawRows === 'lines'
    ? `select ${fileIndex} as file_index, f.* from ${readerOf(plan, withRejects.map((f) => f.plan.readPath), 'skip', withRejects.length > 1)} as f`
    : rawRows(withRejects.map((f) => f.plan));
  // a row's position among the rows its file gave: rowid counts from a base that is not 0 for rows not yet committed
  await db.run(`create or replace temp table file_rows_read as ${reread}`);
  await db.run(`
        insert into rejected_raw
        select r.file_index, r.rowid - bases.base_rowid as row_index, ${rawLine}
        from file_rows_read as r
        join (select file_index, min(rowid) as base_rowid from file_rows_read group by file_index) as bases on bases.file_index = r.file_index
        semi join rejected_rows as rejected on rejected.file_index = r.file_index and rejected.row_index = r.rowid - bases.base_rowid`);
}

/**
 * The rows to store (valid, the first of their key in the file, not older than the stored row)
 * replace the stored rows of their keys; the months they leave out of date are marked. Returns
 * how many rows were stored.
 */
async function storeIncoming(db: Db, kind: KindDef, dropped: number, matches: number, marking: StaleMonthsMarking): Promise<number> {
  const key = sqlIdent(kind.key);
  const table = sqlIdent(kind.table);
  const storedColumns = kind.columns.map((c) => sqlIdent(c.name)).join(', ');
  await db.run(`
    create or replace temp view incoming_rows as
    select t.* from typed_rows as t
    ${dropped > 0 ? 'anti join dropped_rows as d on d.file_index = t.file_index and d.row_index = t.row_index' : ''}
    where t.${LOADABLE}`);
  // the stored rows these replace; usually none
  await db.run(`create or replace temp table replaced_rows as select * from stored_matches where ${matches > 0 ? `${key} in (select ${key} from incoming_rows)` : 'false'}`);
  const replaced = matches > 0 ? await db.value<number>(`select count(*) from replaced_rows`) : 0;
  await markRowMonths(db, kind, marking, replaced > 0);
  if (replaced > 0) await db.run(`delete from ${table} where ${key} in (select ${key} from replaced_rows)`);
  return db.changed(`
    insert into ${table} (${storedColumns}, batch_id, source_line)
    select ${storedColumns}, batch_id, source_line from incoming_rows`);
}

/** Each file's counts, checked (rows read = rows loaded + rows rejected), and its batch recorded. */
async function recordBatches(db: Db, files: StoredFile[], rowsStored: number): Promise<LoadedFile[]> {
  const kind = files[0]!.plan.kind;
  const ids = files.map((f) => f.batchId).join(', ');
  const loadedBy = new Map<number, number>();
  if (files.length === 1) loadedBy.set(files[0]!.batchId, rowsStored);
  else for (const r of await db.all(`select batch_id, count(*) as n from ${sqlIdent(kind.table)} where batch_id in (${ids}) group by batch_id`)) loadedBy.set(Number(r.batch_id), Number(r.n));
  const rejectedBy = new Map<number, number>();
  for (const r of await db.all(`select batch_id, count(*) as n from load_rejects where batch_id in (${ids}) group by batch_id`)) rejectedBy.set(Number(r.batch_id), Number(r.n));
  const outcomes: LoadedFile[] = [];
  let loadedInAll = 0;
  for (const { plan: p, batchId } of files) {
    const rowsRead = p.dataRecords + p.lineRejects.length;
    const rowsLoaded = loadedBy.get(batchId) ?? 0;
    const rowsRejected = rejectedBy.get(batchId) ?? 0;
    loadedInAll += rowsLoaded;
    if (rowsLoaded + rowsRejected !== rowsRead) {
      throw new FatalLoadError(`${p.file}: row accounting failed: read ${rowsRead}, loaded ${rowsLoaded}, rejected ${rowsRejected}`);
    }
    await insertBatch(db, p, batchId, rowsRead, rowsLoaded, rowsRejected);
    for (const h of p.extraColumns) {
      await db.run(`insert into load_extra_columns values (${batchId}, $1, $2)`, [p.file, h]);
    }
    outcomes.push({ file: p.file, status: 'loaded' as const, kind: kind.kind, batchId, encoding: p.encoding, rowsRead, rowsLoaded, rowsRejected, extraColumns: p.extraColumns });
  }
  if (loadedInAll !== rowsStored) {
    throw new FatalLoadError(`${files.map((f) => f.plan.file).join(', ')}: row accounting failed: ${rowsStored} rows stored, ${loadedInAll} counted by file`);
  }
  return outcomes;
}

/** A file's batch in load_batches: what was read, loaded and rejected of it, and its content hash. */
export async function insertBatch(db: Db, plan: FilePlan, batchId: number, read: number, loaded: number, rejected: number): Promise<void> {
  await db.run(`insert into load_batches values (${batchId}, $1, $2, $3, $4, ${read}, ${loaded}, ${rejected}, localtimestamp)`, [
    plan.file,
    plan.original.sha256,
    plan.kind.kind,
    plan.encoding,
  ]);
}
