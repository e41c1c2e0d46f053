// Files of a kind with the same header, each one record per line, read by one read_csv: the
// reader and the typing query run once, on all cores, instead of once per file on a file too
// small to split. Each file is stored, rejected and counted as if it were loaded alone.
import { sqlFile, sqlIdent, type Db } from '../common/db.ts';
import type { KindDef } from './kinds.ts';
import { loadAlone } from './load-alone.ts';
import { FatalLoadError, type LoadedFile } from './outcome.ts';
import type { FilePlan } from './plan.ts';
import { READER_REJECT_COLUMN, READER_REJECT_REASON, columnLabel, fileIndexOf, inputTextView, readerErrors, readerOf, setColumnLabels } from './read.ts';
import { insertLineRejects } from './rejects.ts';
import type { StaleMonthsMarking } from './stale-months.ts';
import type { TypedReads } from './typing.ts';
import { storeRows, type StoredFile } from './store.ts';

// lines the reader rejects in a file read together, above which it is read alone again
const MAX_GAPS_TOGETHER = 100;

/**
 * Files of a kind with the same header, each one record per line, read by one read_csv. A file
 * the reader rejects many lines of is then loaded alone again (its line numbers need the gaps).
 * A key given in several of the files is stored as if the files were loaded one after the
 * other: the files are stored in runs in which no key repeats across files.
 */
export async function loadTogether(db: Db, reads: TypedReads, plans: FilePlan[], staleMonths: StaleMonthsMarking): Promise<LoadedFile[]> {
  const typed = await readTogether(reads, plans);
  if (typed === null) {
    // the reader stopped on one of them: read alone, the file is named in the error
    const outcomes = [];
    for (const plan of plans) outcomes.push(await loadAlone(db, reads, plan, staleMonths));
    return outcomes;
  }
  await countTogether(db, plans, typed);
  const { readAlone, lineOf } = await numberLinesTogether(db, plans, typed);
  const previousFile = await filesSharingKeys(db, plans[0]!.kind, readAlone, typed);

  const outcomes: LoadedFile[] = [];
  let run: number[] = [];
  const storeRun = async () => {
    if (run.length === 0) return;
    outcomes.push(...(await storeRunOf(db, plans, run, lineOf, staleMonths, typed)));
    run = [];
  };
  for (const [i, plan] of plans.entries()) {
    if (readAlone.has(i)) {
      await storeRun();
      outcomes.push(await loadAlone(db, reads, plan, staleMonths));
      continue;
    }
    const previous = previousFile.get(i);
    if (previous !== undefined && run.length > 0 && previous >= run[0]!) await storeRun();
    run.push(i);
  }
  await storeRun();
  return outcomes;
}

/** The table of the typed rows of all the files, by one read (typing.ts); null when the reader stopped. */
async function readTogether(reads: TypedReads, plans: FilePlan[]): Promise<string | null> {
  const first = plans[0]!;
  const typed = await reads.read(
    inputTextView(first, readerOf(first, plans.map((p) => p.readPath), 'store', true), fileIndexOf(plans, 'f.filename')),
    sqlFile(`load/typed_${first.kind.kind}.sql`),
  );
  return typed instanceof Error ? null : typed.rows;
}

/** Per file: the rows the reader accepted and where they start, and the lines it rejected; checked against the plan. */
async function countTogether(db: Db, plans: FilePlan[], typed: string): Promise<void> {
  await db.run(`
    create or replace temp table together_rejects as
    select file_index, line as duckdb_line,
           -- the rows accepted before it: the lines between the header and it, less the rejected ones
           line - 1 - row_number() over (partition by file_index order by line) as accepted_before,
           error_type, column_name, raw_line
    from (${readerErrors(fileIndexOf(plans, 'scans.file_path'))})`);
  const counts = await db.all(`
    with accepted as (
      select file_index, count(*) as accepted from ${typed} group by file_index
    ),
    rejected as (select file_index, count(*) as rejected from together_rejects group by file_index)
    select files.i as file_index, coalesce(accepted.accepted, 0) as accepted, coalesce(rejected.rejected, 0) as rejected
    from range(${plans.length}) as files(i)
    left join accepted on accepted.file_index = files.i
    left join rejected on rejected.file_index = files.i
    order by files.i`);
  for (const [i, row] of counts.entries()) {
    const plan = plans[i]!;
    if (Number(row.accepted) + Number(row.rejected) !== plan.records) {
      throw new FatalLoadError(
        `${plan.file}: row accounting failed: the file holds ${plan.records} data rows but the reader returned ${row.accepted} and rejected ${row.rejected}; nothing from this file was loaded`,
      );
    }
  }
}

/**
 * A rejected line is a gap in the line numbers of the rows after it. The gaps are few (a file
 * with many is read alone, where its lines are joined to the rows): a row's line is its
 * position, the lines above the first row, and one for each gap at or before its position.
 * Returns the files to read alone, and the SQL of a row's line (over together_files).
 */
async function numberLinesTogether(db: Db, plans: FilePlan[], typed: string): Promise<{ readAlone: Set<number>; lineOf: string }> {
  const gaps = await db.all(`select file_index, accepted_before from together_rejects order by file_index, accepted_before`);
  const readAlone = new Set<number>();
  const gapsOf = new Map<number, number[]>();
  for (const g of gaps) {
    const i = Number(g.file_index);
    gapsOf.set(i, [...(gapsOf.get(i) ?? []), Number(g.accepted_before)]);
  }
  for (const [i, list] of gapsOf) if (list.length > MAX_GAPS_TOGETHER) readAlone.add(i);
  const gapTerms = [...gapsOf].filter(([i]) => !readAlone.has(i)).map(([i, list]) =>
    `when ${i} then ${list.map((before) => `(position >= ${before})::bigint`).join(' + ')}`);
  await db.run(
    `
    create or replace temp table together_files as
    -- the first rowid of each file: where its rows start among those of the read
    select files.file_index, coalesce(bases.base_rowid, 0) as base_rowid, files.line_offset, files.file
    from (values ${plans.map((p, i) => `(${i}, ${p.linesAboveData + 2}, $${i + 1}::varchar)`).join(', ')}) as files(file_index, line_offset, file)
    left join (select file_index, min(rowid) as base_rowid from ${typed} group by file_index) as bases on bases.file_index = files.file_index`,
    plans.map((p) => p.file),
  );
  const lineOf = gapTerms.length ? `position + line_offset + case file_index ${gapTerms.join(' ')} else 0 end` : 'position + line_offset';
  return { readAlone, lineOf };
}

/**
 * Keys given more than once among the files (together_repeats; usually a handful): repeats within
 * a file, and keys that more than one file gives. Returns, for each file, the last file before it
 * that gives one of its keys: a run of files stored together ends before a file that shares a key
 * with a file of the run.
 */
async function filesSharingKeys(db: Db, kind: KindDef, readAlone: Set<number>, typed: string): Promise<Map<number, number>> {
  const key = sqlIdent(kind.key);
  await db.run(`
    create or replace temp table together_repeats as
    select ${key}, min(file_index) as first_file, max(file_index) as last_file
    from ${typed} where problem is null and file_index not in (${[-1, ...readAlone].join(', ')})
    group by ${key} having count(*) > 1`);
  const previousFile = new Map<number, number>();
  const shared = await db.all(`
    select file_index, max(previous_file) as previous_file
    from (
      select file_index, lag(file_index) over (partition by ${key} order by file_index) as previous_file
      from (
        select distinct t.${key}, t.file_index
        from ${typed} as t
        where t.problem is null and t.file_index not in (${[-1, ...readAlone].join(', ')})
          and t.${key} in (select ${key} from together_repeats where first_file <> last_file)
      )
    )
    where previous_file is not null
    group by file_index`);
  for (const row of shared) previousFile.set(Number(row.file_index), Number(row.previous_file));
  return previousFile;
}

/** A run of the files (by index), no key shared between two of them: their rows as typed_rows, rejected and stored. */
async function storeRunOf(db: Db, plans: FilePlan[], run: number[], lineOf: string, staleMonths: StaleMonthsMarking, typed: string): Promise<LoadedFile[]> {
  const first = plans[0]!;
  const files: StoredFile[] = [];
  for (const i of run) files.push({ plan: plans[i]!, batchId: await db.value<number>(`select nextval('load_batch_seq')`), fileIndex: i });
  const batchIds = (fileIndex: string) => `case ${fileIndex} ${files.map((f) => `when ${f.fileIndex} then ${f.batchId}`).join(' ')} end`;
  await db.run(`
      create or replace temp view typed_rows as
      select file_index, ${batchIds('file_index')} as batch_id, ${lineOf} as source_line, position as row_index, * exclude (file_index, position, line_offset)
      from (
        select t.rowid - files.base_rowid as position, files.line_offset, t.*
        from ${typed} as t
        join together_files as files on files.file_index = t.file_index
        where t.file_index in (${run.join(', ')})
      )`);
  for (const f of files) {
    await insertLineRejects(db, f.batchId, f.plan.file, f.plan.lineRejects, (c) => (c < first.headers.length ? columnLabel(first, c) : null));
  }
  await setColumnLabels(db, first);
  await db.run(`
      insert into load_rejects
      select ${batchIds('rejects.file_index')}, files.file, rejects.duckdb_line + files.line_offset - 2,
             ${READER_REJECT_COLUMN}, ${READER_REJECT_REASON}, null, rejects.raw_line
      from together_rejects as rejects join together_files as files on files.file_index = rejects.file_index
      where rejects.file_index in (${run.join(', ')})`);
  return storeRows(db, files, 'lines', { repeats: 'together_repeats', staleMonths });
}
