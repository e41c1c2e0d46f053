// .xlsx exports: the first worksheet (or the one named like the kind) written out as a UTF-8 CSV,
// one spreadsheet row per CSV line, so the same DuckDB reader, typing and line numbers apply.
// Excel date cells become naive local timestamps; numbers keep all their digits.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import ExcelJS from 'exceljs';

export async function xlsxToCsv(source: string, target: string, sheetNames: string[]): Promise<void> {
  const out = createWriteStream(target, { encoding: 'utf8' });
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache', // needed to tell date cells from numbers
    hyperlinks: 'ignore',
    entries: 'emit',
  });
  let chosen = false;
  try {
    for await (const worksheet of reader) {
      const ws = worksheet as unknown as { name?: string } & AsyncIterable<ExcelJS.Row>;
      const name = ws.name ?? '';
      // the first sheet, unless a later one is named like the kind
      if (chosen && !sheetNames.some((n) => name.toLowerCase().startsWith(n.toLowerCase()))) continue;
      chosen = true;
      let lastRow = 0;
      let width = 0; // the header's width: trailing empty cells of a row are not stored in the sheet
      for await (const row of ws) {
        // rows missing from the sheet are blank lines, so line numbers stay the sheet's row numbers
        for (let r = lastRow + 1; r < row.number; r++) await write('\n');
        lastRow = row.number;
        const values = row.values as unknown[];
        const cells: string[] = [];
        for (let c = 1; c < values.length; c++) cells.push(csvField(cellText(values[c])));
        if (width === 0) width = cells.length;
        while (cells.length < width) cells.push('');
        await write(cells.join(',') + '\n');
      }
      break;
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    // exceljs returns the cell's wall-clock time in the UTC fields
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  }
  if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : String(v);
  if (typeof v === 'object') {
    const o = v as { text?: unknown; result?: unknown; richText?: { text: string }[]; error?: string };
    if (Array.isArray(o.richText)) return o.richText.map((t) => t.text).join('');
    if (o.result !== undefined) return cellText(o.result);
    if (o.text !== undefined) return cellText(o.text);
    if (o.error !== undefined) return String(o.error);
  }
  return String(v);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
