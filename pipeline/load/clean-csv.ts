// An export's bytes brought to a UTF-8 CSV that DuckDB reads without stumbling, with the same
// lines as the original: the steps of bytes/ (xlsx.ts, encoding.ts) taken in order, each a
// streaming copy made only when the pre-pass (bytes/prepass.ts) says it is needed; the records
// that cannot be repaired are cut out here and become line rejects.
import { copyFileSync, symlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { blankRanges, copyWithout, looksLikeBrokenUtf8, normaliseLineBreaks, transcodeToUtf8 } from './bytes/encoding.ts';
import { scanFile, type FileScan } from './bytes/prepass.ts';
import { XlsxError, xlsxToCsv } from './bytes/xlsx.ts';
import { findHeader } from './header.ts';
import { mapHeader, type KindDef } from './kinds.ts';
import { FatalLoadError } from './outcome.ts';
import { RAW_LINE_CHARS, type LineReject } from './rejects.ts';

// a file with more quotes left open than this is not an export the loader can repair line by line
const MAX_QUOTE_REPAIRS = 100;
// the first bytes of a zip archive (an .xlsx) and of an old-style Office file (an .xls)
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** The file as DuckDB will read it, and what the pre-pass learned about it. */
export interface CleanCsv {
  csvPath: string;
  scan: FileScan;
  encoding: string;
  /** records taken out before DuckDB reads the file: a quote never closed, text after a closing quote */
  cut: LineReject[];
}

/**
 * Brings the bytes to a UTF-8 CSV that DuckDB reads without stumbling, each step a streaming copy
 * taken only when needed: workbook to CSV; UTF-16 or GB18030 to UTF-8; mixed line breaks to LF;
 * a quote that is never closed cut off with the rest of its line (that line is rejected, the
 * lines after it are read). The pre-pass runs again on each copy, so its counts are those of the
 * bytes DuckDB reads; no step adds or removes a line, so line numbers stay the original file's.
 */
export async function cleanCsv(path: string, file: string, original: FileScan, kind: KindDef, workDir: string): Promise<CleanCsv> {
  const copies = new Copies(workDir, linkedExport(path, workDir), original);
  const encoding = await decodeToUtf8(copies, path, file, original, kind);
  // the delimiter is the header's (the lines above it may be a title with another one, or none);
  // quotes, and so the line breaks between records, are read with it
  const { header, delimiter } = findHeader(copies.scan, kind);
  if (header && delimiter !== copies.scan.delimiter) await copies.rescan(delimiter);
  // before any line is cut out, so that no cut can join a CR and an LF into one line break
  await copies.lineBreaksToLf();
  const cut = await cutUnclosedQuotes(copies, file);
  cut.push(...(await blankTextAfterClosingQuotes(copies, kind)));
  await copies.lineBreaksToLf();
  return { csvPath: copies.path, scan: copies.scan, encoding, cut };
}

/** The copies a file goes through as it is cleaned: the latest one, and the pre-pass of it. */
class Copies {
  private step = 0;

  constructor(
    private readonly workDir: string,
    public path: string,
    public scan: FileScan,
  ) {}

  /** where the next copy is written */
  next(): string {
    return join(this.workDir, `step-${++this.step}.csv`);
  }

  /** the copy just written is now the file: the pre-pass runs on it again */
  async use(target: string, delimiter?: string): Promise<void> {
    this.path = target;
    await this.rescan(delimiter);
  }

  async rescan(delimiter?: string): Promise<void> {
    this.scan = await scanFile(this.path, delimiter === undefined ? {} : { delimiter });
  }

  /**
   * Mixed kinds of line break stop DuckDB's reader; CR alone it reads, but not with a quoted LF
   * in the header, so CR-only files are brought to LF too.
   */
  async lineBreaksToLf(): Promise<void> {
    const { crlf, lf, cr } = this.scan.newlines;
    if (!(cr > 0 || (crlf > 0 && lf > 0))) return;
    const target = this.next();
    await normaliseLineBreaks(this.path, target);
    await this.use(target, this.scan.delimiter);
  }
}

/**
 * DuckDB reads the file under a name of the loader's own: the path it is given is SQL text, and
 * an export's name is data (it may hold a quote, or anything else).
 */
function linkedExport(path: string, workDir: string): string {
  const csvPath = join(workDir, 'export.csv');
  try {
    symlinkSync(resolve(path), csvPath);
  } catch {
    copyFileSync(path, csvPath);
  }
  return csvPath;
}

/** A workbook to CSV, UTF-16 or GB18030 to UTF-8; returns the file's encoding as load_batches records it. */
async function decodeToUtf8(copies: Copies, path: string, file: string, original: FileScan, kind: KindDef): Promise<string> {
  // what the bytes are decides, not the name: a workbook saved as .csv is read as a workbook
  const zip = original.magic.subarray(0, 4).equals(ZIP_MAGIC);
  if (original.magic.equals(OLE_MAGIC)) {
    throw new FatalLoadError(`${file}: an Excel 97-2003 (.xls) or password-protected workbook, which cannot be read; save it as .xlsx or .csv`);
  }
  if (zip || extname(path).toLowerCase() === '.xlsx') {
    const target = copies.next();
    try {
      await xlsxToCsv(path, target, kind.prefixes, (cells) => mapHeader(kind, cells).columns.has(kind.key));
    } catch (e) {
      throw new FatalLoadError(`${file}: not a readable .xlsx workbook: ${e instanceof XlsxError ? e.message : (e as Error).message}`);
    }
    await copies.use(target);
    return 'xlsx';
  }
  if (original.utf16 || !original.utf8) {
    const from = original.utf16 ?? 'gb18030';
    if (!original.utf16 && (await looksLikeBrokenUtf8(path))) {
      // read as GB18030 it would load as mojibake
      throw new FatalLoadError(`${file}: neither UTF-8 nor GB18030: the file is UTF-8 but the bytes at byte offset ${original.invalidUtf8At} are broken; repair or export the file again`);
    }
    const target = copies.next();
    try {
      await transcodeToUtf8(path, target, file, from);
    } catch (e) {
      throw new FatalLoadError((e as Error).message);
    }
    await copies.use(target);
    return from;
  }
  return original.bom ? 'utf-8-bom' : 'utf-8';
}

/**
 * A quote never closed swallows the rest of the file: its first line is cut out (and rejected),
 * and the lines after it are read again, until no quote is left open.
 */
async function cutUnclosedQuotes(copies: Copies, file: string): Promise<LineReject[]> {
  const cut: LineReject[] = [];
  while (copies.scan.unterminated) {
    if (cut.length >= MAX_QUOTE_REPAIRS) {
      throw new FatalLoadError(`${file}: more than ${MAX_QUOTE_REPAIRS} quotes are never closed; this is not a CSV export the loader can read`);
    }
    const { line, start, firstLineEnd } = copies.scan.unterminated;
    const [raw] = await readTexts(copies.path, [[start, Math.min(firstLineEnd, start + RAW_LINE_CHARS * 4)]]);
    cut.push({ line, reason: 'unterminated_quote', raw: raw! });
    const target = copies.next();
    await copyWithout(copies.path, target, start, firstLineEnd);
    await copies.use(target, copies.scan.delimiter);
    // line breaks that were inside the open quote are now between records: one kind again
    await copies.lineBreaksToLf();
  }
  return cut;
}

/**
 * Records with text after a closing quote ("x"y): rejected here, as DuckDB's reader would,
 * because it does not always do so cleanly (it may return a row for one as well). They are
 * blanked but for their line breaks, so the lines after them keep their numbers.
 */
async function blankTextAfterClosingQuotes(copies: Copies, kind: KindDef): Promise<LineReject[]> {
  const headerNow = findHeader(copies.scan, kind).header;
  const bad = copies.scan.badQuotes.filter((b) => headerNow !== undefined && b.unit > headerNow.unit);
  if (bad.length === 0) return [];
  const delimiter = copies.scan.delimiter;
  const texts = await readTexts(copies.path, bad.map((b) => [b.start, Math.min(b.end, b.start + RAW_LINE_CHARS * 4)]));
  const cut = bad.map((b, i) => ({ line: b.line, reason: 'bad_quoting', raw: texts[i]!, field: fieldAfterClosingQuote(texts[i]!, delimiter) }));
  const target = copies.next();
  await blankRanges(copies.path, target, bad.map((b) => [b.start, b.end]));
  await copies.use(target, delimiter);
  return cut;
}

/**
 * The position of the field in which text follows a closing quote, read as DuckDB's reader reads
 * a record (a quote opens a field only at its start, after at most one space). Runs only on the
 * few records that have such a quote.
 */
function fieldAfterClosingQuote(record: string, delimiter: string): number | undefined {
  let field = 0;
  let state: 'start' | 'space' | 'text' | 'quoted' | 'closed' = 'start';
  for (const ch of record) {
    switch (state) {
      case 'start':
      case 'space':
        if (ch === '"') state = 'quoted';
        else if (ch === delimiter) field += 1;
        else if (ch === '\n' || ch === '\r') state = 'start';
        else state = ch === ' ' && state === 'start' ? 'space' : 'text';
        break;
      case 'text':
        if (ch === delimiter) {
          field += 1;
          state = 'start';
        }
        break;
      case 'quoted':
        if (ch === '"') state = 'closed';
        break;
      case 'closed':
        if (ch === '"') state = 'quoted';
        else if (ch === delimiter) {
          field += 1;
          state = 'start';
        } else if (ch !== ' ' && ch !== '\n' && ch !== '\r') return field;
        break;
    }
  }
  return undefined;
}

/** The text of byte ranges of a file (lines taken out, for their rejects), read through one handle. */
async function readTexts(path: string, ranges: [number, number][]): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const texts: string[] = [];
    for (const [from, to] of ranges) {
      const buffer = Buffer.alloc(Math.max(0, to - from));
      const { bytesRead } = buffer.length ? await handle.read(buffer, 0, buffer.length, from) : { bytesRead: 0 };
      texts.push(buffer.subarray(0, bytesRead).toString('utf8').replace(/\r$/, '').slice(0, RAW_LINE_CHARS));
    }
    return texts;
  } finally {
    await handle.close();
  }
}

