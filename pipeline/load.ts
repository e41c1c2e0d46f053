// Loads export files into the stored tables. The bulk path is DuckDB's own CSV reader into an
// all-text table, then the typing query of the kind (queries/load/typed_<kind>.sql), all set-based.
// Every row read ends up loaded or in load_rejects with its line and reason.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { Db, sqlFile, sqlIdent, sqlString } from './db.ts';
import { transcodeGb18030 } from './encoding.ts';
import { KINDS, acceptedHeaders, kindOfFile, mapHeader, type KindDef } from './kinds.ts';
import { scanFile, type FileScan } from './prepass.ts';
import { xlsxToCsv } from './xlsx.ts';

/** A problem that stops the run: the message is one line naming the file and what to fix. */
export class FatalLoadError extends Error {}

export type FileOutcome =
  | { file: string; status: 'loaded'; kind: string; batchId: number; encoding: string; rowsRead: number; rowsLoaded: number; rowsRejected: number; extraColumns: string[] }
  | { file: string; status: 'already_loaded'; kind: string; batchId: number }
  | { file: string; status: 'skipped'; reason: string };

export type Logger = (line: string) => void;

const READER_ERRORS: Record<string, string> = {
  'MISSING COLUMNS': 'too_few_columns',
  'TOO MANY COLUMNS': 'too_many_columns',
  'UNQUOTED VALUE': 'bad_quoting',
  'INVALID UNICODE': 'invalid_encoding',
  'LINE SIZE OVER MAXIMUM': 'line_too_long',
  'INVALID STATE': 'bad_quoting',
};

const PII_COLUMNS = ['customer_phone'];

export async function ensureSchema(db: Db): Promise<void> {
  await db.run(sqlFile('schema.sql'));
}

/** Every file of the folder, in a fixed order: by kind (as listed in the spec), then by name. */
export function listInputs(inputDir: string): { path: string; name: string; kind?: KindDef; skip?: string }[] {
  let names: string[];
  try {
    names = readdirSync(inputDir);
  } catch (e) {
    throw new FatalLoadError(`input folder ${inputDir} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const entries = names
    .filter((name) => !name.startsWith('.'))
    .map((name) => {
      const path = join(inputDir, name);
      if (!statSync(path).isFile()) return { path, name, skip: 'not a file' };
      const ext = extname(name).toLowerCase();
      if (name.startsWith('~$')) return { path, name, skip: 'an Excel lock file, not an export' };
      if (ext !== '.csv' && ext !== '.xlsx') return { path, name, skip: `extension ${ext || '(none)'} is not .csv or .xlsx` };
      const kind = kindOfFile(name);
      if (!kind) return { path, name, skip: 'the name matches no export kind (tickets/工单, revisits/回访, complaints/投诉, violations/违规, technicians/工程师, outlets/网点)' };
      return { path, name, kind };
    });
  const order = (k?: KindDef) => (k ? KINDS.indexOf(k) : KINDS.length);
  return entries.sort((a, b) => order(a.kind) - order(b.kind) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function loadFolder(db: Db, inputDir: string, log: Logger = () => {}): Promise<FileOutcome[]> {
  await ensureSchema(db);
  const outcomes: FileOutcome[] = [];
  const work = mkdtempSync(join(tmpdir(), 'sq-load-'));
  try {
    for (const entry of listInputs(inputDir)) {
      if (!entry.kind) {
        await db.run(`insert into load_skipped_files values (${sqlString(entry.name)}, ${sqlString(entry.skip ?? 'unknown')}, null, localtimestamp)`);
        log(`skipped ${entry.name}: ${entry.skip}`);
        outcomes.push({ file: entry.name, status: 'skipped', reason: entry.skip ?? 'unknown' });
        continue;
      }
      const outcome = await loadFile(db, entry.path, entry.kind, work);
      if (outcome.status === 'loaded') {
        log(`loaded ${entry.name} (${outcome.kind}, ${outcome.encoding}): read ${outcome.rowsRead}, loaded ${outcome.rowsLoaded}, rejected ${outcome.rowsRejected}` +
          (outcome.extraColumns.length ? `; extra columns kept out: ${outcome.extraColumns.join(', ')}` : ''));
      } else if (outcome.status === 'already_loaded') {
        log(`unchanged ${entry.name}: the same content was loaded before (batch ${outcome.batchId})`);
      }
      outcomes.push(outcome);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return outcomes;
}

export async function loadFile(db: Db, path: string, kind: KindDef, workDir: string): Promise<FileOutcome> {
  const file = basename(path);
  const isXlsx = extname(path).toLowerCase() === '.xlsx';

  let scan: FileScan;
  try {
    scan = await scanFile(path);
  } catch (e) {
    throw new FatalLoadError(`${file}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const previous = await db.value<number | undefined>(
    `select batch_id from load_batches where content_hash = ${sqlString(scan.sha256)} order by batch_id limit 1`,
  );
  if (previous !== undefined) return { file, status: 'already_loaded', kind: kind.kind, batchId: previous };

  // Bring the bytes to a UTF-8 CSV that DuckDB reads.
  let csvPath = path;
  let encoding = scan.bom ? 'utf-8-bom' : 'utf-8';
  if (isXlsx) {
    csvPath = join(workDir, `${scan.sha256}.csv`);
    try {
      await xlsxToCsv(path, csvPath, kind.prefixes);
    } catch (e) {
      throw new FatalLoadError(`${file}: not a readable .xlsx workbook: ${(e as Error).message}`);
    }
    scan = { ...(await scanFile(csvPath)), sha256: scan.sha256, bytes: scan.bytes };
    encoding = 'xlsx';
  } else if (!scan.utf8) {
    csvPath = join(workDir, `${scan.sha256}.csv`);
    try {
      await transcodeGb18030(path, csvPath, file);
    } catch (e) {
      throw new FatalLoadError((e as Error).message);
    }
    // counts and line map hold for both encodings (quotes and line breaks are ASCII in both);
    // full-width forms are looked for in the UTF-8 bytes
    scan = { ...scan, fullWidth: (await scanFile(csvPath)).fullWidth };
    encoding = 'gb18030';
  }

  const headerText = (scan.utf8 || isXlsx ? scan.headerBytes.toString('utf8') : iconv.decode(scan.headerBytes, 'gb18030')).replace(/^\uFEFF/, '');
  const delimiter = detectDelimiter(headerText);
  const headers = headerText.trim() === '' ? [] : (parseCsv(headerText, { delimiter, relax_quotes: true, relax_column_count: true }) as string[][])[0] ?? [];
  const mapping = mapHeader(kind, headers);
  const missing = kind.columns.filter((c) => c.required && !mapping.columns.has(c.name));
  if (headers.length > 0 && missing.length > 0) {
    const c = missing[0]!;
    throw new FatalLoadError(`${file}: required column ${c.name} is missing (accepted headers: ${acceptedHeaders(c)})`);
  }

  const batchId = await db.value<number>(`select nextval('load_batch_seq')`);
  const extraColumns = [...mapping.extra.filter((h) => h.trim() !== ''), ...mapping.repeated];

  if (headers.length === 0) {
    // an empty file: nothing to read, but it is recorded so the data-quality view shows it
    await db.run(`insert into load_batches values (${batchId}, ${sqlString(file)}, ${sqlString(scan.sha256)}, ${sqlString(kind.kind)}, ${sqlString(encoding)}, 0, 0, 0, localtimestamp)`);
    return { file, status: 'loaded', kind: kind.kind, batchId, encoding, rowsRead: 0, rowsLoaded: 0, rowsRejected: 0, extraColumns };
  }

  // 1. DuckDB's reader, every column as text; rows it cannot split go to its rejects table.
  const fileColumns = headers.map((_, i) => `c${i + 1}`);
  const columnSpec = `{${fileColumns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`;
  await db.run(`drop table if exists temp.reader_errors; drop table if exists temp.reader_scans;`);
  await db.run(`
    create or replace temp table file_rows as
    select * from read_csv(${sqlString(csvPath)},
      header = true, auto_detect = false, delim = ${sqlString(delimiter)}, quote = '"', escape = '"',
      columns = ${columnSpec}, strict_mode = true, max_line_size = 10000000,
      store_rejects = true, rejects_table = 'reader_errors', rejects_scan = 'reader_scans')`);

  // 2. Line numbers: blank lines and reader rejects are the gaps between accepted rows.
  await db.run(`create or replace temp table file_multiline (line bigint, extra bigint)`);
  await db.run(`create or replace temp table file_gaps (line bigint)`);
  await insertNumbers(db, 'file_gaps', scan.blankLines.map((l) => [l]));
  await insertNumbers(db, 'file_multiline', scan.multiline.map((m) => [m.line, m.extra]));
  await db.run(`
    create or replace temp table reader_rejects as
    with errors as (
      select line, min_by(error_type, column_idx) as error_type, min_by(column_name, column_idx) as column_name,
             min_by(csv_line, column_idx) as csv_line
      from reader_errors group by line
    ),
    extra_steps as (select line, sum(extra) over (order by line) as extra_so_far from file_multiline)
    select errors.line as duckdb_line, errors.line + coalesce(extra_steps.extra_so_far, 0) as source_line,
           errors.error_type, errors.column_name, mask_phone_numbers(trim(errors.csv_line, chr(10) || chr(13))) as raw_line
    from errors asof left join extra_steps on errors.line > extra_steps.line`);
  await db.run(`insert into file_gaps select duckdb_line from reader_rejects`);

  const accepted = await db.value<number>(`select count(*) from file_rows`);
  const readerRejected = await db.value<number>(`select count(*) from reader_rejects`);
  if (accepted + readerRejected !== scan.records) {
    throw new FatalLoadError(
      `${file}: row accounting failed: the file holds ${scan.records} data rows but the reader returned ${accepted} and rejected ${readerRejected}; nothing from this file was loaded`,
    );
  }

  // 3. Canonical column names, normalised text, and notes for rows that are not records (a view:
  //    it is read once, by the typing query).
  const keyIndex = mapping.columns.get(kind.key)!;
  const mappedIndexes = [...mapping.columns.values()];
  const norm = scan.fullWidth ? 'norm_text_wide' : 'norm_text';
  const canonical = kind.columns
    .map((c) => {
      const i = mapping.columns.get(c.name);
      return i === undefined ? `null::varchar as ${sqlIdent(c.name)}` : `${norm}(f.c${i + 1}) as ${sqlIdent(c.name)}`;
    })
    .join(',\n      ');
  // most files have no blank lines, rejects or multi-line records: then the line is the row's position
  const plainLines = scan.blankLines.length === 0 && scan.multiline.length === 0 && readerRejected === 0;
  await db.run(`
    create or replace temp view input_text as
    select
      ${plainLines ? 'f.rowid + 2' : 'lines.source_line'} as source_line,
      f.rowid as row_index,
      case
        when trim(f.c${keyIndex + 1}) = ${sqlString(headers[keyIndex]!.trim())} then 'repeated_header'
        when regexp_matches(coalesce(f.c1, '') || ' ' || coalesce(f.c${keyIndex + 1}, ''), '^\\s*(合计|总计|小计|total)', 'i') then 'summary_row'
        when ${mappedIndexes.map((i) => `coalesce(trim(f.c${i + 1}), '') = ''`).join(' and ')} then 'empty_row'
      end as row_note,
      ${canonical}
    from file_rows as f
    ${plainLines ? '' : `join (${sqlFile('load/source_lines.sql')}) as lines on lines.row_index = f.rowid`}`);

  // 4. Type, reject, de-duplicate, and store: one transaction per file.
  const fileLiteral = sqlString(file);
  const key = sqlIdent(kind.key);
  const table = sqlIdent(kind.table);
  const storedColumns = kind.columns.map((c) => sqlIdent(c.name)).join(', ');
  const hasUpdatedAt = kind.columns.some((c) => c.name === 'updated_at');
  // the raw line kept for a rejected row, rebuilt only for rejected rows, never with customer contact data
  const piiIndexes = new Set(PII_COLUMNS.map((c) => mapping.columns.get(c)).filter((i): i is number => i !== undefined));
  const rawLine = `concat_ws(${sqlString(delimiter)}, ${fileColumns.map((c, i) => (piiIndexes.has(i) ? `'***'` : `coalesce(f.${c}, '')`)).join(', ')})`;
  // a reader error names the column by position: report the canonical name, or the file's header
  const columnLabel = (header: string, index: number) =>
    [...mapping.columns.entries()].find(([, i]) => i === index)?.[0] ?? header;

  return db.transaction(async () => {
    await db.run(`create or replace temp table typed_rows as ${sqlFile(`load/typed_${kind.kind}.sql`)}`);
    await db.run(`
      insert into load_rejects
      select ${batchId}, ${fileLiteral}, source_line,
             case column_name ${headers.map((h, i) => `when 'c${i + 1}' then ${sqlString(columnLabel(h, i))}`).join(' ')} end,
             coalesce(case error_type ${Object.entries(READER_ERRORS).map(([k, v]) => `when ${sqlString(k)} then ${sqlString(v)}`).join(' ')} end,
                      lower(replace(error_type, ' ', '_'))),
             null, raw_line
      from reader_rejects`);
    // the first valid row of a key is the candidate; a stored row wins over it only when both
    // carry updated_at and the stored one is newer
    await db.run(`
      create or replace temp table candidate_rows as
      select
        t.*,
        row_number() over (partition by t.${key} order by t.source_line) as key_rank,
        ${hasUpdatedAt ? 'coalesce(stored.updated_at > t.updated_at, false)' : 'false'} as is_stale
      from typed_rows as t
      ${hasUpdatedAt ? `left join ${table} as stored on stored.${key} = t.${key}` : ''}
      where t.problem is null`);
    await db.run(`
      insert into load_rejects
      select ${batchId}, ${fileLiteral}, rejected.source_line, rejected.column_name, rejected.reason, rejected.value, ${rawLine}
      from (
        select row_index, source_line, problem.column as column_name, problem.reason, problem.value
        from typed_rows where problem is not null
        union all
        select row_index, source_line, ${sqlString(kind.key)}, 'duplicate_key', ${key}
        from candidate_rows where key_rank > 1
        ${hasUpdatedAt ? `union all
        select row_index, source_line, 'updated_at', 'stale_version', strftime(updated_at, '%Y-%m-%d %H:%M:%S')
        from candidate_rows where key_rank = 1 and is_stale` : ''}
      ) as rejected
      join file_rows as f on f.rowid = rejected.row_index`);
    await db.run(`
      delete from ${table}
      where ${key} in (select ${key} from candidate_rows where key_rank = 1 and not is_stale)`);
    await db.run(`
      insert into ${table} (${storedColumns}, batch_id, source_line)
      select ${storedColumns}, ${batchId}, source_line from candidate_rows where key_rank = 1 and not is_stale`);

    const rowsLoaded = await db.value<number>(`select count(*) from candidate_rows where key_rank = 1 and not is_stale`);
    const rowsRejected = await db.value<number>(`select count(*) from load_rejects where batch_id = ${batchId}`);
    if (rowsLoaded + rowsRejected !== scan.records) {
      throw new FatalLoadError(`${file}: row accounting failed: read ${scan.records}, loaded ${rowsLoaded}, rejected ${rowsRejected}`);
    }
    await db.run(`insert into load_batches values (${batchId}, ${fileLiteral}, ${sqlString(scan.sha256)}, ${sqlString(kind.kind)}, ${sqlString(encoding)}, ${scan.records}, ${rowsLoaded}, ${rowsRejected}, localtimestamp)`);
    for (const h of extraColumns) {
      await db.run(`insert into load_extra_columns values (${batchId}, ${fileLiteral}, ${sqlString(h)})`);
    }
    return { file, status: 'loaded' as const, kind: kind.kind, batchId, encoding, rowsRead: scan.records, rowsLoaded, rowsRejected, extraColumns };
  });
}

function detectDelimiter(headerLine: string): string {
  const candidates = [',', '\t', ';', '|'];
  let best = ',';
  let bestCount = 0;
  for (const d of candidates) {
    const count = headerLine.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Small lists of numbers (blank lines, multi-line records) into a temp table, in batches. */
async function insertNumbers(db: Db, table: string, rows: number[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const values = rows.slice(i, i + 1000).map((r) => `(${r.map((n) => String(Math.trunc(n))).join(', ')})`).join(', ');
    await db.run(`insert into ${table} values ${values}`);
  }
}

