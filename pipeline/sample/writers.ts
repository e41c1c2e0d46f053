/**
 * Output of the sample: buffered CSV files (CRLF, optional BOM, UTF-8 or GBK), the one xlsx
 * workbook, the export note, and clearing what an earlier run generated.
 * Owns bytes on disk. Imports only ./types.ts and the encoders (iconv-lite, exceljs).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { readdir, rmdir, unlink, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import type { SampleFile, SampleKind } from './types.ts';

// rows are buffered as text and encoded in chunks: per-row writes would dominate at millions of rows
const FLUSH_AT = 1 << 18;

export class CsvWriter {
  rows = 0;
  private buf: string;
  private readonly stream: WriteStream;
  private error: Error | null = null;
  readonly file: string;
  readonly kind: SampleKind;
  readonly encoding: 'utf-8' | 'gbk';
  readonly bom: boolean;
  private readonly onFull: () => void;
  constructor(
    dir: string,
    file: string,
    kind: SampleKind,
    encoding: 'utf-8' | 'gbk',
    bom: boolean,
    header: string,
    onFull: () => void,
  ) {
    this.file = file;
    this.kind = kind;
    this.encoding = encoding;
    this.bom = bom;
    this.onFull = onFull;
    this.stream = createWriteStream(path.join(dir, file), { highWaterMark: 1 << 20 });
    this.stream.on('error', (e: Error) => {
      this.error = e;
    });
    this.buf = (bom ? '\uFEFF' : '') + header + '\r\n';
  }
  /** physical line number the next data row gets */
  get nextLine(): number {
    return this.rows + 2;
  }
  add(line: string): void {
    this.buf += line;
    this.buf += '\r\n';
    this.rows++;
    if (this.buf.length >= FLUSH_AT) this.onFull();
  }
  get full(): boolean {
    return this.buf.length >= FLUSH_AT;
  }
  async flush(): Promise<void> {
    if (this.error) throw this.error;
    if (this.buf.length === 0) return;
    const chunk = this.encoding === 'gbk' ? iconv.encode(this.buf, 'gbk') : Buffer.from(this.buf, 'utf8');
    this.buf = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
  async close(): Promise<SampleFile> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    if (this.error) throw this.error;
    return {
      file: this.file,
      kind: this.kind,
      rows: this.rows,
      encoding: this.encoding,
      bom: this.bom,
      bytes: this.stream.bytesWritten,
    };
  }
}

/**
 * The files of one run: opens CSV writers, flushes the full ones between rows (adding a row is
 * synchronous, so a full buffer only raises a flag) and collects what each closed file holds.
 */
export class SampleOutputs {
  readonly files: SampleFile[] = [];
  private readonly open: CsvWriter[] = [];
  private flushDue = false;
  private readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  /** a new CSV file; GBK files go without a BOM, as the systems that write GBK do */
  csv(file: string, kind: SampleKind, header: readonly string[], gbk = false): CsvWriter {
    const writer = new CsvWriter(this.dir, file, kind, gbk ? 'gbk' : 'utf-8', !gbk, header.join(','), () => {
      this.flushDue = true;
    });
    this.open.push(writer);
    return writer;
  }
  async close(writer: CsvWriter): Promise<void> {
    this.files.push(await writer.close());
    const i = this.open.indexOf(writer);
    if (i >= 0) this.open.splice(i, 1);
  }
  /** record a file written whole, not through a CSV writer */
  written(file: SampleFile): void {
    this.files.push(file);
  }
  async flushIfDue(): Promise<void> {
    if (!this.flushDue) return;
    this.flushDue = false;
    for (const o of this.open) if (o.full) await o.flush();
  }
}

/** quote a free-text CSV field when needed */
export function quoteField(s: string): string {
  if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
  return '"' + s.replace(/"/g, '""') + '"';
}

/**
 * One CSV line from fields in canonical order, written in the file's column order
 * (null: canonical); -1 in the order marks the file's extra column, filled with `extra`.
 */
export function joinInOrder(fields: readonly string[], order: readonly number[] | null, extra: string): string {
  if (order === null) return fields.join(',');
  let s = '';
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    if (k > 0) s += ',';
    s += i < 0 ? extra : (fields[i] as string);
  }
  return s;
}

/** a header row in the file's column order, as joinInOrder writes the data rows */
export function headerInOrder(headers: readonly string[], order: readonly number[] | null, extraHeader: string | null): readonly string[] {
  return order ? order.map((i) => (i < 0 ? (extraHeader as string) : (headers[i] as string))) : headers;
}

const GENERATED = /^((工单|回访)_\d{4}-\d{2}\.csv|投诉\.csv|违规\.csv|工程师\.csv|网点\.(xlsx|csv)|导出说明\.csv)$/;
/** the late export's folder and its files (./late.ts) */
const LATE_FOLDER = 'late';
const GENERATED_LATE = /^((工单|回访)_(\d{4}-\d{2}_补录|更正)\.csv|违规_更正\.csv|申诉\.csv)$/;

/** remove what an earlier run wrote (a smaller run writes fewer months, one without `late` no late folder), leave anything else */
export async function clearGenerated(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (GENERATED.test(name)) await unlink(path.join(dir, name));
  }
  const late = path.join(dir, LATE_FOLDER);
  const lateNames = await readdir(late).catch(() => null);
  if (lateNames === null) return;
  for (const name of lateNames) {
    if (GENERATED_LATE.test(name)) await unlink(path.join(late, name));
  }
  // a folder holding someone's own files stays
  if ((await readdir(late)).length === 0) await rmdir(late);
}

/** the note some systems put beside their exports: a CSV the loader must recognise as no data */
export async function writeExportNote(dir: string, firstMonthKey: string, lastMonthKey: string): Promise<SampleFile> {
  const text =
    '\uFEFF说明,内容\r\n' +
    '导出范围,' + `${firstMonthKey} 至 ${lastMonthKey} 全部工单、回访、投诉\r\n` +
    '备注,"时间均为本地时间;金额单位:元"\r\n';
  await writeFile(path.join(dir, '导出说明.csv'), text, 'utf8');
  return { file: '导出说明.csv', kind: 'unrecognised', rows: 2, encoding: 'utf-8', bom: true, bytes: Buffer.byteLength(text) };
}

export interface XlsxColumn {
  header: string;
  key: string;
  width: number;
}

/** one sheet with a bold header row, its times pinned so that the workbook is byte-identical run to run */
export async function writeXlsxSheet(
  dir: string,
  file: string,
  kind: SampleKind,
  sheet: string,
  columns: readonly XlsxColumn[],
  rows: readonly Record<string, string>[],
): Promise<SampleFile> {
  const wb = new ExcelJS.Workbook();
  const fixed = new Date(Date.UTC(2026, 10, 1, 8, 0, 0));
  wb.creator = '售后服务管理系统';
  wb.lastModifiedBy = '售后服务管理系统';
  wb.created = fixed;
  wb.modified = fixed;
  const ws = wb.addWorksheet(sheet);
  ws.columns = columns.map((c) => ({ ...c }));
  ws.getRow(1).font = { bold: true };
  for (const row of rows) ws.addRow(row);
  const buf = Buffer.from(await wb.xlsx.writeBuffer());
  fixZipTimes(buf);
  await writeFile(path.join(dir, file), buf);
  return { file, kind, rows: rows.length, encoding: 'xlsx', bom: false, bytes: buf.length };
}

/** pin every zip entry's modification time so the workbook is byte-identical run to run */
function fixZipTimes(buf: Buffer): void {
  const dosDate = ((2026 - 1980) << 9) | (11 << 5) | 1;
  const dosTime = 8 << 11;
  const eocd = endOfCentralDirectory(buf);
  if (eocd < 0) return;
  const n = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let k = 0; k < n && p + 46 <= buf.length; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) break;
    buf.writeUInt16LE(dosTime, p + 12);
    buf.writeUInt16LE(dosDate, p + 14);
    const local = buf.readUInt32LE(p + 42);
    if (local + 30 <= buf.length && buf.readUInt32LE(local) === 0x04034b50) {
      buf.writeUInt16LE(dosTime, local + 10);
      buf.writeUInt16LE(dosDate, local + 12);
    }
    p += 46 + buf.readUInt16LE(p + 28) + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
}

/** offset of the zip's end-of-central-directory record (-1: none), searched back over the longest comment */
function endOfCentralDirectory(buf: Buffer): number {
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) return i;
  }
  return -1;
}
