// The workbook writer: a SpreadsheetML package (.xlsx) of sheets whose data rows' XML DuckDB has
// already built, zipped on the thread pool. The smallest package Excel, LibreOffice and exceljs
// open; the same rows always make the same bytes.
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { crc32, deflateRaw as deflateRawCallback } from 'node:zlib';

export type CellKind = 'text' | 'number' | 'boolean' | 'time';

export interface SheetColumn {
  name: string;
  kind: CellKind;
}

export interface Sheet {
  name: string;
  columns: SheetColumn[];
  /** the data rows' XML */
  rows: Buffer;
}

const XLSX_LEVEL = 3;

// a fixed time (2000-01-01 00:00, MS-DOS format) on every entry of a workbook, so that a workbook
// is the same bytes whenever it is built
const ZIP_DATE = ((2000 - 1980) << 9) | (1 << 5) | 1;

const ZIP_TIME = 0;

const deflateRaw = promisify(deflateRawCallback);

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';

const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

function xmlEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

export function columnLetter(index: number): string {
  let letters = '';
  for (let i = index + 1; i > 0; i = Math.floor((i - 1) / 26)) letters = String.fromCharCode(65 + ((i - 1) % 26)) + letters;
  return letters;
}

/**
 * A workbook (SpreadsheetML package) of the sheets: a bold header row of the column names, numbers
 * and booleans as such, everything else as inline text. The smallest package Excel, LibreOffice and
 * exceljs open: content types, relationships, workbook, styles, sheets.
 */
export async function writeXlsx(path: string, sheets: Sheet[]): Promise<void> {
  const parts: [string, string | Buffer][] = [
    [
      '[Content_Types].xml',
      `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
        sheets.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('') +
        '</Types>',
    ],
    [
      '_rels/.rels',
      `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
        '</Relationships>',
    ],
    [
      'xl/workbook.xml',
      `${XML_HEAD}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets>` +
        sheets.map((s, i) => `<sheet name="${xmlEscape(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') +
        '</sheets></workbook>',
    ],
    [
      'xl/_rels/workbook.xml.rels',
      `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
        sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
        `<Relationship Id="rId${sheets.length + 1}" Type="${REL_NS}/styles" Target="styles.xml"/>` +
        '</Relationships>',
    ],
    [
      'xl/styles.xml',
      `${XML_HEAD}<styleSheet xmlns="${MAIN_NS}">` +
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>' +
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>' +
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
        '</styleSheet>',
    ],
  ];
  sheets.forEach((sheet, i) => parts.push([`xl/worksheets/sheet${i + 1}.xml`, worksheetXml(sheet)]));
  await writeFile(path, await zipArchive(parts.map(([name, data]) => [name, typeof data === 'string' ? Buffer.from(data) : data])));
}

/**
 * A ZIP archive of the entries, deflated on the thread pool. The package format needs no more than
 * the classic archive (no ZIP64: a month's workbook is a few MB); every entry carries the same
 * fixed time, so the same entries always make the same bytes.
 */
async function zipArchive(entries: [string, Buffer][]): Promise<Buffer> {
  const compressed = await Promise.all(entries.map(([, data]) => deflateRaw(data, { level: XLSX_LEVEL })));
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  entries.forEach(([name, data], i) => {
    const fileName = Buffer.from(name);
    const body = compressed[i]!;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); // local file header
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(8, 8); // method: deflate
    local.writeUInt16LE(ZIP_TIME, 10);
    local.writeUInt16LE(ZIP_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    local.writeUInt16LE(0, 28); // extra field length
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); // central directory header
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6); // version needed
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(ZIP_TIME, 12);
    central.writeUInt16LE(ZIP_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    // extra, comment, disk, internal and external attributes: all zero (30-41)
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, body);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + body.length;
  });
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); // end of central directory
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function worksheetXml(sheet: Sheet): Buffer {
  const widths = sheet.columns.map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${Math.max(12, c.name.length + 2)}" customWidth="1"/>`).join('');
  const header = sheet.columns.map((c, i) => `<c r="${columnLetter(i)}1" t="inlineStr" s="1"><is><t>${xmlEscape(c.name)}</t></is></c>`).join('');
  return Buffer.concat([
    Buffer.from(
      `${XML_HEAD}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
        `<sheetFormatPr defaultRowHeight="15"/><cols>${widths}</cols>` +
        `<sheetData><row r="1">${header}</row>`,
    ),
    sheet.rows,
    Buffer.from('</sheetData></worksheet>'),
  ]);
}
