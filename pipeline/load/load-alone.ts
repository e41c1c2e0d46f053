// One planned file read alone by DuckDB's reader and stored: any file, including those with blank
// lines, records over several lines, or lines cut out before the read. Its rows get the line
// numbers a person sees in an editor, from the gaps the pre-pass found and the reader's rejects.
import { sqlFile, type Db } from '../common/db.ts';
import { FatalLoadError, type LoadedFile } from './outcome.ts';
import type { FilePlan } from './plan.ts';
import { READER_REJECT_COLUMN, READER_REJECT_REASON, columnLabel, inputTextView, readerErrors, readerOf, setColumnLabels } from './read.ts';
import { insertLineRejects } from './rejects.ts';
import type { StaleMonthsMarking } from './stale-months.ts';
import type { TypedReads } from './typing.ts';
import { insertBatch, storeRows } from './store.ts';

/** One file read alone: any file, including those with blank lines, multi-line records or lines cut out. */
export async function loadAlone(db: Db, reads: TypedReads, plan: FilePlan, staleMonths: StaleMonthsMarking): Promise<LoadedFile> {
  const { file, headers, lineRejects } = plan;
  const batchId = await db.value<number>(`select nextval('load_batch_seq')`);
  if (!plan.header) return recordBlankFile(db, plan, batchId);

  // 1. DuckDB's reader, every column as text; rows it cannot split go to its rejects table. The
  //    typing query reads straight from it, so the text is not stored first: one pass, in parallel.
  // 2. Typed rows, in the reader's order: rowid is the position among the rows it accepted
  //    (typing.ts: outside the load's transaction)
  const typed = await reads.read(inputTextView(plan, readerOf(plan, [plan.readPath], 'store', false), '0'), sqlFile(`load/typed_${plan.kind.kind}.sql`));
  if (typed instanceof Error) {
    throw new FatalLoadError(`${file}: the CSV reader stopped: ${typed.message.split('\n')[0]}; nothing from this file was loaded`);
  }
  // 3. Line numbers: blank lines and reader rejects are the gaps between accepted rows.
  const plainLines = await numberLines(db, plan, batchId, typed.rows);

  // 4. Reject, de-duplicate, and store (in the load's one transaction).
  await insertLineRejects(db, batchId, file, lineRejects, (i) => (i < headers.length ? columnLabel(plan, i) : null));
  await setColumnLabels(db, plan);
  await db.run(
    `
    insert into load_rejects
    select ${batchId}, $1, source_line, ${READER_REJECT_COLUMN}, ${READER_REJECT_REASON}, null, raw_line
    from reader_rejects`,
    [file],
  );
  const [outcome] = await storeRows(db, [{ plan, batchId, fileIndex: 0 }], plainLines ? 'lines' : () => `select 0 as file_index, * from ${readerOf(plan, [plan.readPath], 'skip', false)}`, { staleMonths });
  return outcome!;
}

/** Nothing but blank lines: nothing to read, but the file is recorded so the data-quality view shows it. */
async function recordBlankFile(db: Db, plan: FilePlan, batchId: number): Promise<LoadedFile> {
  const { file, kind, lineRejects } = plan;
  await insertLineRejects(db, batchId, file, lineRejects, () => null);
  const rejected = lineRejects.length;
  await insertBatch(db, plan, batchId, rejected, 0, rejected);
  return { file, status: 'loaded' as const, kind: kind.kind, batchId, encoding: plan.encoding, rowsRead: rejected, rowsLoaded: 0, rowsRejected: rejected, extraColumns: plan.extraColumns };
}

/**
 * The reader's rejects with their lines (reader_rejects), the accounting of the file's rows
 * checked, and the view typed_rows: the typed rows with their batch and source line. Returns
 * whether each row's line is its position (no blank lines, rejects or multi-line records).
 */
async function numberLines(db: Db, plan: FilePlan, batchId: number, typedAll: string): Promise<boolean> {
  const { file, linesAboveData, gaps, blankRows, multilineAfter, records } = plan;
  await db.run(`create or replace temp table file_multiline (line bigint, extra bigint)`);
  await db.run(`create or replace temp table file_gaps (line bigint)`);
  await db.run(`create or replace temp table file_blank_rows (line bigint)`);
  await insertNumbers(db, 'file_gaps', gaps.map((l) => [l]));
  await insertNumbers(db, 'file_blank_rows', blankRows.map((l) => [l]));
  await insertNumbers(db, 'file_multiline', [...(linesAboveData > 0 ? [[1, linesAboveData]] : []), ...multilineAfter]);
  await db.run(`
    create or replace temp table reader_rejects as
    with errors as (${readerErrors()}),
    extra_steps as (select line, sum(extra) over (order by line) as extra_so_far from file_multiline)
    select errors.line as duckdb_line, errors.line + coalesce(extra_steps.extra_so_far, 0) as source_line,
           errors.error_type, errors.column_name, errors.raw_line
    from errors asof left join extra_steps on errors.line > extra_steps.line`);
  await db.run(`insert into file_gaps select duckdb_line from reader_rejects`);

  // the rows in file order: the typed rows are committed in a database of their own, so rowid
  // counts from 0
  await db.run(`create or replace temp view file_rows_ordered as select rowid as position from ${typedAll}`);
  const accepted = await db.value<number>(`select count(*) from ${typedAll}`);
  const readerRejected = await db.value<number>(`select count(*) from reader_rejects`);
  if (accepted + readerRejected !== records) {
    throw new FatalLoadError(
      `${file}: row accounting failed: the file holds ${records} data rows but the reader returned ${accepted} and rejected ${readerRejected}; nothing from this file was loaded`,
    );
  }

  // most files have no blank lines, rejects or multi-line records: then the line is the row's position
  const plainLines = gaps.length === 0 && blankRows.length === 0 && multilineAfter.length === 0 && readerRejected === 0;
  const positioned = `(select rowid as position, * exclude (file_index) from ${typedAll})`;
  const fileColumns = `0 as file_index, ${batchId} as batch_id`;
  if (plainLines) {
    await db.run(`
      create or replace temp view typed_rows as
      select ${fileColumns}, t.position + ${linesAboveData + 2} as source_line, t.position as row_index, t.* exclude (position)
      from ${positioned} as t`);
  } else {
    await db.run(`
      create or replace temp table typed_lined as
      select ${fileColumns}, lines.source_line, t.position as row_index, t.* exclude (position)
      from ${positioned} as t
      join (${sqlFile('load/source_lines.sql')}) as lines on lines.row_index = t.position
      ${blankRows.length ? 'where lines.duckdb_line not in (select line from file_blank_rows)' : ''}
      order by t.position`);
    await db.run(`create or replace temp view typed_rows as select * from typed_lined`);
  }
  return plainLines;
}

/** Small lists of numbers (blank lines, multi-line records) into a temp table, in batches. */
async function insertNumbers(db: Db, table: string, rows: number[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const values = rows.slice(i, i + 1000).map((r) => `(${r.map((n) => String(Math.trunc(n))).join(', ')})`).join(', ');
    await db.run(`insert into ${table} values ${values}`);
  }
}
