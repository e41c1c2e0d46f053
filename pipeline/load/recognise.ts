// The kind of a file whose name does not tell it (`11月工单.csv`, `export_20261130.csv`), told by
// its header: the header is read with the loader's own byte handling (bytes/: the pre-pass for
// the encoding and the records, GBK/GB18030 and UTF-16 transcoded, a workbook's sheet written out
// as CSV) and picked as header.ts picks it. A header names a kind when it holds the kind's key and
// enough of its required columns, and is not just the references another kind's header holds too
// (a ticket's outlet and technician); a header that names two kinds, or none, leaves the file
// unrecognised, with the reason. Nothing of the header's text goes into the reason.
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { looksLikeBrokenUtf8, transcodeToUtf8 } from './bytes/encoding.ts';
import { scanFile, type FileScan } from './bytes/prepass.ts';
import { xlsxToCsv } from './bytes/xlsx.ts';
import { headerCandidates } from './header.ts';
import { KINDS, mapHeader, type HeaderMapping, type KindDef } from './kinds.ts';

// a header is looked for in the file's first bytes only (the pre-pass keeps its first records)
const PROBE_BYTES = 1 << 20;
// the first bytes of a zip archive (an .xlsx) and of an old-style Office file (an .xls), as clean-csv.ts tells them
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/** What an old Excel file is told, wherever it is met. */
export const XLS_MESSAGE = 'an Excel 97-2003 workbook (.xls), which cannot be read: open it in Excel and save it as .xlsx';

/** The kind a header names, or why it names none. */
export type HeaderVerdict = { kind: KindDef; reason?: undefined } | { kind?: undefined; reason: string };

interface KindColumns {
  kind: KindDef;
  mapping: HeaderMapping;
  /** the header's cells that map to one of the kind's columns */
  cells: Set<number>;
  requiredMissing: string[];
}

/**
 * The kind a header row names (the reason follows "its header"), undefined when it names no kind's key column at all (a title line,
 * notes: the header may come later). A kind is named when its key and at least half of its
 * required columns are there (two columns at least: one id tells nothing), and when its columns
 * in the header are not a part of another kind's (a tickets header holds the key of outlets and
 * of technicians too).
 */
export function kindOfHeader(fields: string[]): HeaderVerdict | undefined {
  const all: KindColumns[] = KINDS.map((kind) => {
    const mapping = mapHeader(kind, fields);
    const requiredMissing = kind.columns.filter((c) => c.required && !mapping.columns.has(c.name)).map((c) => c.name);
    return { kind, mapping, cells: new Set(mapping.columns.values()), requiredMissing };
  });
  const keyed = all.filter((k) => k.mapping.columns.has(k.kind.key));
  if (keyed.length === 0) return undefined;
  const partOfAnother = (k: KindColumns) => all.some((other) => other !== k && isProperSubset(k.cells, other.cells));
  const candidates = keyed.filter((k) => !partOfAnother(k));
  const named = candidates.filter(hasEnoughColumns);
  if (named.length === 1) return { kind: named[0]!.kind };
  if (named.length > 1) return { reason: `matches ${listed(named.map((k) => k.kind.kind))}` };
  const closest = candidates.sort((a, b) => a.requiredMissing.length - b.requiredMissing.length)[0];
  if (!closest) return { reason: "has no kind's required columns" };
  if (closest.requiredMissing.length === 0) return { reason: `has too few columns to tell its kind (only ${closest.kind.key})` };
  return { reason: `has no kind's required columns (closest: ${closest.kind.kind}, without ${closest.requiredMissing.join(', ')})` };
}

function hasEnoughColumns(k: KindColumns): boolean {
  const required = k.kind.columns.filter((c) => c.required).length;
  return k.cells.size >= 2 && (required - k.requiredMissing.length) * 2 >= required;
}

function isProperSubset(a: Set<number>, b: Set<number>): boolean {
  return a.size < b.size && [...a].every((x) => b.has(x));
}

function listed(names: string[]): string {
  return names.length <= 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The kind the first records of a pre-passed file name (the first record naming a key decides), or why none. */
export function kindOfScan(scan: FileScan): HeaderVerdict {
  for (const { fields } of headerCandidates(scan)) {
    const verdict = kindOfHeader(fields);
    if (verdict) return verdict.kind ? verdict : { reason: `its header ${verdict.reason}` };
  }
  return { reason: "its header has no kind's required columns" };
}

/**
 * The kind of a file told by its header, or why it is not told ("its header matches tickets and
 * revisits"). Its first bytes are read as the loader reads the whole file; workDir holds the
 * copies made on the way.
 */
export async function kindFromHeader(path: string, name: string, workDir: string): Promise<HeaderVerdict> {
  const dir = mkdtempSync(join(workDir, 'probe-'));
  try {
    const magic = await firstBytes(path, PROBE_BYTES);
    if (magic.subarray(0, OLE_MAGIC.length).equals(OLE_MAGIC)) return { reason: `it is ${XLS_MESSAGE} (or it is password-protected)` };
    if (magic.subarray(0, 4).equals(ZIP_MAGIC) || extname(name).toLowerCase() === '.xlsx') return kindOfScan(await workbookScan(path, dir));
    return kindOfScan(await textScan(path, name, magic, dir));
  } catch (e) {
    return { reason: `it cannot be read: ${oneLine(e, name)}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first sheet (or the first named like a kind) written out as CSV, as the loader writes it, and pre-passed. */
async function workbookScan(path: string, dir: string): Promise<FileScan> {
  const target = join(dir, 'sheet.csv');
  const prefixes = KINDS.flatMap((k) => k.prefixes);
  await xlsxToCsv(path, target, prefixes, (cells) => kindOfHeader(cells) !== undefined);
  return scanFile(target);
}

/**
 * A text export's first lines, pre-passed, and transcoded to UTF-8 first when they are GBK/GB18030
 * or UTF-16, as clean-csv.ts does with the whole file.
 */
async function textScan(path: string, name: string, head: Buffer, dir: string): Promise<FileScan> {
  const probe = await headOfFile(path, head, dir);
  const scan = await scanFile(probe);
  if (scan.utf8 && !scan.utf16) return scan;
  if (!scan.utf16 && (await looksLikeBrokenUtf8(probe))) throw new Error('UTF-8 with broken bytes, neither UTF-8 nor GB18030');
  const target = join(dir, 'utf8.csv');
  await transcodeToUtf8(probe, target, name, scan.utf16 ?? 'gb18030');
  return scanFile(target);
}

/**
 * The file's first lines: its first bytes up to the last line break in them, so that no character
 * is cut in two (a line break is one byte that no GBK or UTF-8 character holds). A short file, a
 * UTF-16 one (whose line breaks are two bytes) or one without a line break early on is read whole.
 */
async function headOfFile(path: string, head: Buffer, dir: string): Promise<string> {
  const utf16 = head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
  if (head.length < PROBE_BYTES || utf16) return path;
  const end = Math.max(head.lastIndexOf(0x0a), head.lastIndexOf(0x0d)) + 1;
  if (end === 0) return path;
  const target = join(dir, 'head.csv');
  const handle = await open(target, 'w');
  try {
    await handle.write(head, 0, end);
  } finally {
    await handle.close();
  }
  return target;
}

async function firstBytes(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** An error as one line, without the file's name (the reason is shown next to it) or a stack. */
function oneLine(e: unknown, name: string): string {
  const error = e as NodeJS.ErrnoException;
  const message = error.code && /^E[A-Z]+$/.test(error.code) ? error.code : (error.message ?? String(e));
  return message.split('\n')[0]!.replace(`${name}: `, '');
}
