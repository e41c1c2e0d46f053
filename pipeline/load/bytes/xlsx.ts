// .xlsx exports: one worksheet written out as a UTF-8 CSV, one spreadsheet row per CSV line (rows
// missing from the sheet become blank lines), so the same DuckDB reader, typing and line numbers
// apply. The worksheet is the one named like the kind (工单, tickets …), else the first one.
// Excel date cells become naive local timestamps; numbers keep all their digits (never 1.38E+10),
// and a number format of zeros (000123) keeps its leading zeros. Text comes back as Excel typed it:
// the _xHHHH_ escapes of the file format (a line break's CR, a control character) are undone.
import { createWriteStream, rmSync } from 'node:fs';
import { once } from 'node:events';
import ExcelJS from 'exceljs';

/** The workbook cannot be read: the message says why in words a person can act on. */
export class XlsxError extends Error {}

interface SheetInfo {
  name: string;
  state?: string;
}

// the header is looked for among this many rows that hold something, as in a CSV export
const HEADER_SEARCH_ROWS = 20;

export async function xlsxToCsv(
  source: string,
  target: string,
  sheetNames: string[],
  isHeader: (cells: string[]) => boolean = () => true,
): Promise<void> {
  let only: string | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    let result: { done: true } | { done: false; sheet?: string };
    try {
      result = await readOnce(source, target, sheetNames, isHeader, only);
    } catch (e) {
      // the streaming reader now and then loses the workbook part when it is the archive's last
      // entry (as some writers put it): reading again gets it
      if (attempt < 3 && e instanceof TypeError && /sheets/.test(e.message)) continue;
      throw new XlsxError(describe(e));
    }
    if (result.done) return;
    // the sheet to read, now that the workbook part has named it
    only = result.sheet;
  }
  throw new XlsxError('the workbook could not be read whole; open it in Excel, save it again and load it again');
}

/**
 * One pass over the workbook. Sheets come in the order of the archive, which need not be the tab
 * order: a sheet named like the kind is written as soon as it comes; otherwise the sheet that is
 * first in the tab order, as far as known when it comes. At the end the workbook part tells
 * whether that was the right one; if not, the caller reads again for the sheet it names.
 */
async function readOnce(
  source: string,
  target: string,
  sheetNames: string[],
  isHeader: (cells: string[]) => boolean,
  only: string | undefined,
): Promise<{ done: true } | { done: false; sheet?: string }> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache', // needed to tell date cells from numbers
    hyperlinks: 'ignore',
    entries: 'emit',
  });
  const named = (name: string) => sheetNames.some((n) => name.normalize('NFKC').toLowerCase().startsWith(n.toLowerCase()));
  const model = () => (reader as unknown as { model?: { sheets?: SheetInfo[] } }).model;
  const visible = () => (model()?.sheets ?? []).filter((s) => s.state !== 'hidden' && s.state !== 'veryHidden');

  let written: string | undefined;
  for await (const worksheet of reader) {
    const ws = worksheet as unknown as { name?: string } & AsyncIterable<ExcelJS.Row>;
    const name = ws.name ?? '';
    if (only !== undefined) {
      if (name !== only) continue;
      await writeSheet(ws, target, isHeader);
      return { done: true };
    }
    const isNamed = named(name);
    const isFirst = visible().length > 0 ? visible()[0]!.name === name : written === undefined;
    // a sheet named like the kind wins over the first sheet (a cover or notes sheet may come first)
    if (!isNamed && !(isFirst && written === undefined)) continue;
    await writeSheet(ws, target, isHeader);
    written = name;
    if (isNamed) return { done: true };
  }
  if (only !== undefined) return { done: false, sheet: only };
  if (model() === undefined) return { done: false }; // the workbook part was lost: read again
  const expected = visible().find((s) => named(s.name)) ?? visible()[0];
  if (expected === undefined) {
    // a workbook without a visible worksheet: an empty export
    rmSync(target, { force: true });
    const out = createWriteStream(target);
    out.end();
    await once(out, 'close');
    return { done: true };
  }
  return written === expected.name ? { done: true } : { done: false, sheet: expected.name };
}

async function writeSheet(ws: AsyncIterable<ExcelJS.Row>, target: string, isHeader: (cells: string[]) => boolean): Promise<void> {
  const out = createWriteStream(target, { encoding: 'utf8' });
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  // Trailing empty cells are not stored in the sheet: rows from the header on are padded to the
  // header's width. Rows are held back until the header is known (the first row naming the key
  // column among the first few, else the first row that holds something).
  let width: number | undefined;
  const held: string[][] = []; // an empty array is a blank line
  const flush = async (headerAt: number) => {
    for (let i = 0; i < held.length; i++) {
      const cells = held[i]!;
      if (i === headerAt) width = cells.length;
      await writeCells(cells, i >= headerAt ? width : undefined);
    }
    held.length = 0;
  };
  const writeCells = async (cells: string[], padTo: number | undefined) => {
    if (cells.length === 0) return write('\n'); // a row with nothing in it is a blank line, like a missing row
    const padded = padTo !== undefined && cells.length < padTo ? [...cells, ...new Array<string>(padTo - cells.length).fill('')] : cells;
    return write(padded.map(csvField).join(',') + '\n');
  };
  try {
    let lastRow = 0;
    for await (const row of ws) {
      const rows: string[][] = [];
      // rows missing from the sheet are blank lines, so line numbers stay the sheet's row numbers
      for (let r = lastRow + 1; r < row.number; r++) rows.push([]);
      lastRow = row.number;
      const values = row.values as unknown[];
      const cells: string[] = [];
      for (let c = 1; c < values.length; c++) {
        const v = values[c];
        cells.push(cellText(v, v === undefined || v === null ? undefined : row.getCell(c).numFmt));
      }
      // cells past the last one that holds something are not columns (a styled but empty cell)
      while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
      rows.push(cells);
      for (const r of rows) {
        if (width !== undefined) {
          await writeCells(r, width);
          continue;
        }
        held.push(r);
        if (r.length > 0 && isHeader(r)) await flush(held.length - 1);
        else if (held.filter((h) => h.length > 0).length >= HEADER_SEARCH_ROWS) await flush(held.findIndex((h) => h.length > 0));
      }
    }
    if (held.length) await flush(held.findIndex((h) => h.length > 0));
  } finally {
    out.end();
    await once(out, 'close');
  }
}

function cellText(v: unknown, numFmt?: string): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    // exceljs gives the cell's wall-clock time in the UTC fields; to the second, as the export shows it
    const iso = new Date(Math.round(v.getTime() / 1000) * 1000).toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  }
  if (typeof v === 'number') return numberText(v, numFmt);
  if (typeof v === 'object') {
    const o = v as { text?: unknown; result?: unknown; richText?: { text: string }[]; error?: string };
    if (Array.isArray(o.richText)) return unescapeText(o.richText.map((t) => t.text).join(''));
    if (o.result !== undefined) return cellText(o.result, numFmt);
    if (o.text !== undefined) return cellText(o.text, numFmt);
    if (o.error !== undefined) return String(o.error);
  }
  return unescapeText(String(v));
}

/**
 * Text as the cell holds it: a workbook writes a character XML cannot hold (a CR, a NUL) as
 * _xHHHH_, and a literal _x…_ as _x005F_x…_; read left to right, each escape gives its character.
 */
function unescapeText(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** All the digits of a number: integers in full (an id or a phone number), others as the shortest exact form. */
function numberText(v: number, numFmt?: string): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) {
    const digits = BigInt(v).toString();
    // a format of zeros only (000000) pads ids with their leading zeros
    const zeros = numFmt && /^0+$/.test(numFmt) ? numFmt.length : 0;
    return v >= 0 && digits.length < zeros ? digits.padStart(zeros, '0') : digits;
  }
  const text = String(v);
  if (!/e/i.test(text)) return text;
  // a very small or very large fraction: written out without an exponent
  return v.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function describe(e: unknown): string {
  const message = (e as Error)?.message ?? String(e);
  if (/invalid signature|end of central directory|FILE_ENDED|zip/i.test(message)) {
    return 'the file is not a complete zip archive, so not an .xlsx workbook (an .xls, a renamed CSV, a broken download?); save it again as .xlsx or .csv';
  }
  return message.split('\n')[0]!;
}
