// Spreadsheet downloads (downloads.ts renders them): the SQL that builds a download's CSV lines and
// worksheet rows as text (one ordered query whose text DuckDB builds), and the workbook writer, a
// SpreadsheetML package (.xlsx), large sheets zipped on the thread pool. The smallest package Excel,
// LibreOffice and exceljs open; the same rows always make the same bytes.
//
// Spreadsheet safety, for every export (HR's statements, the outlets' settlement): a text cell is
// never a formula (csvLine and sheetRow go through the macros of queries/publish/macros.sql:
// formula-looking text gets a ' in a CSV and the quote-prefix style in a workbook); numbers stay
// numbers. A download's columns say which cells are text.
import { promisify } from 'node:util';
import { crc32, deflateRaw as deflateRawCallback, deflateRawSync } from 'node:zlib';

/**
 * text: shown as it is; money: yuan, ¥#,##0.00; decimal: 0.00; count: a whole number; time: a naive
 * local time (TIMESTAMP), an Excel date-time in a workbook and `YYYY-MM-DD HH:MM:SS` in a CSV; date: a
 * DATE, an Excel date (yyyy-mm-dd) in a workbook and `YYYY-MM-DD` in a CSV.
 */
export type CellKind = 'text' | 'money' | 'decimal' | 'count' | 'time' | 'date';

export interface SheetColumn {
  /** the SQL column (or expression) of the cell */
  name: string;
  kind: CellKind;
  /** in characters */
  width: number;
}

export interface Sheet {
  name: string;
  /** the header row, one per column */
  headers: string[];
  columns: SheetColumn[];
  /** the data rows' XML (sheetRow), numbered from 2 */
  rows: Buffer;
}

/**
 * The workbook's cell formats (styles.xml cellXfs), by index: each kind plain and bold (subtotal and
 * total rows), text also with the quote prefix, and the header row's.
 */
const CELL_FORMATS: { numFmt: number; bold: boolean; quote?: boolean; header?: boolean }[] = [
  { numFmt: 0, bold: false }, // 0 text
  { numFmt: 0, bold: true }, // 1 text, bold
  { numFmt: 0, bold: false, quote: true }, // 2 formula-looking text
  { numFmt: 0, bold: true, quote: true }, // 3 the same, bold
  { numFmt: 0, bold: true, header: true }, // 4 header
  { numFmt: 164, bold: false }, // 5 money
  { numFmt: 164, bold: true }, // 6
  { numFmt: 2, bold: false }, // 7 decimal (built-in 0.00)
  { numFmt: 2, bold: true }, // 8
  { numFmt: 1, bold: false }, // 9 count (built-in 0)
  { numFmt: 1, bold: true }, // 10
  { numFmt: 165, bold: false }, // 11 time
  { numFmt: 165, bold: true }, // 12
  { numFmt: 166, bold: false }, // 13 date
  { numFmt: 166, bold: true }, // 14
];

const HEADER_FORMAT = 4;

/** The cell formats of each kind: [plain, bold]. */
const KIND_FORMATS: Record<CellKind, [number, number]> = { text: [0, 1], money: [5, 6], decimal: [7, 8], count: [9, 10], time: [11, 12], date: [13, 14] };

const QUOTED_TEXT: [number, number] = [2, 3];

const NUMBER_FORMATS = [
  { id: 164, code: '"¥"#,##0.00' },
  { id: 165, code: 'yyyy-mm-dd hh:mm' },
  { id: 166, code: 'yyyy-mm-dd' },
];

const TIMESTAMP_FORMAT = '%Y-%m-%d %H:%M:%S';

/** A CSV header line (UTF-8 BOM, CRLF) of the headers, which are the pipeline's own words. */
export function csvHeader(headers: string[]): Buffer {
  return Buffer.from('\uFEFF' + headers.join(',') + '\r\n');
}

/** SQL of one CSV line (without its line break) of the columns: text formula-safe, numbers as numbers. */
export function csvLine(columns: SheetColumn[]): string {
  const fields = columns.map((c) => {
    if (c.kind === 'text') return `csv_text(${c.name})`;
    if (c.kind === 'time') return `csv_field(strftime(${c.name}, '${TIMESTAMP_FORMAT}'))`;
    if (c.kind === 'date') return `csv_field(strftime(${c.name}, '%Y-%m-%d'))`;
    return `coalesce(${c.name}::varchar, '')`;
  });
  return `concat_ws(',', ${fields.join(', ')})`;
}

/**
 * SQL of a worksheet row over the columns r (the row number as text: data rows start at 2 under the
 * header) and rare (xml_rare of the row), bold when the SQL condition `bold` holds. concat() leaves
 * out the cells of missing values.
 */
export function sheetRow(columns: SheetColumn[], bold = 'false'): string {
  const format = ([plain, strong]: [number, number]) => (bold === 'false' ? String(plain) : `case when ${bold} then ${strong} else ${plain} end`);
  const cells = columns.map((c, i) => {
    const col = `'${columnLetter(i)}'`;
    if (c.kind === 'text') return `xlsx_text(${col}, r, ${c.name}, rare, ${format(KIND_FORMATS.text)}, ${format(QUOTED_TEXT)})`;
    if (c.kind === 'time') return `xlsx_time(${col}, r, ${c.name}, ${format(KIND_FORMATS.time)})`;
    if (c.kind === 'date') return `xlsx_time(${col}, r, ${c.name}::timestamp, ${format(KIND_FORMATS.date)})`;
    return `xlsx_number(${col}, r, ${c.name}, ${format(KIND_FORMATS[c.kind])})`;
  });
  return `concat('<row r="', r, '">', ${cells.join(', ')}, '</row>')`;
}

const XLSX_LEVEL = 3;

// a fixed time (2000-01-01 00:00, MS-DOS format) on every entry of a workbook, so that a workbook
// is the same bytes whenever it is built
const ZIP_DATE = ((2000 - 1980) << 9) | (1 << 5) | 1;

const ZIP_TIME = 0;

const deflateRaw = promisify(deflateRawCallback);

/**
 * A part smaller than this is deflated on the main thread: the thread pool's round trip costs many
 * times the deflating of a few dozen KB (an outlet's statement is a sheet of about 10 KB; when the
 * publish wrote 13,000 of them, they took 4.3 s of CPU on the pool, 0.5 s in line). The same bytes
 * either way.
 */
const DEFLATE_ON_POOL_FROM = 256 * 1024;

function deflatePart(data: Buffer): Promise<Buffer> {
  if (data.length >= DEFLATE_ON_POOL_FROM) return deflateRaw(data, { level: XLSX_LEVEL });
  return new Promise((resolve) => resolve(deflateRawSync(data, { level: XLSX_LEVEL })));
}

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
 * A workbook (SpreadsheetML package) of the sheets: a bold header row, frozen and repeated on every
 * printed page, the column widths, landscape pages one sheet wide. The smallest package Excel,
 * LibreOffice and exceljs open: content types, relationships, workbook, styles, sheets.
 */
export async function xlsxBytes(sheets: Sheet[]): Promise<Buffer> {
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
    ['xl/workbook.xml', workbookXml(sheets)],
    [
      'xl/_rels/workbook.xml.rels',
      `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
        sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
        `<Relationship Id="rId${sheets.length + 1}" Type="${REL_NS}/styles" Target="styles.xml"/>` +
        '</Relationships>',
    ],
    ['xl/styles.xml', stylesXml()],
  ];
  sheets.forEach((sheet, i) => parts.push([`xl/worksheets/sheet${i + 1}.xml`, worksheetXml(sheet)]));
  return zipArchive(parts.map(([name, data]) => [name, typeof data === 'string' ? Buffer.from(data) : data]));
}

/**
 * A ZIP archive of the entries, deflated on the thread pool. The package format needs no more than
 * the classic archive (no ZIP64: a month's workbook is a few MB); every entry carries the same
 * fixed time, so the same entries always make the same bytes.
 */
async function zipArchive(entries: [string, Buffer][]): Promise<Buffer> {
  const compressed = await Promise.all(entries.map(([name, data]) => (name.startsWith('xl/worksheets/') ? deflatePart(data) : sharedPart(data))));
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

/**
 * The parts but the sheets (content types, relationships, workbook, styles) are the same in every
 * workbook of the same sheet names: each is deflated once per publish process, not once per workbook
 * (the outlets' settlement downloads are thousands of small workbooks). The same bytes either way.
 */
const SHARED_PARTS = new Map<string, Promise<Buffer>>();

function sharedPart(data: Buffer): Promise<Buffer> {
  const key = data.toString('utf8');
  let part = SHARED_PARTS.get(key);
  if (part === undefined) {
    part = deflatePart(data);
    // a few distinct parts per language and set of sheet names; never more than these
    if (SHARED_PARTS.size < 256) SHARED_PARTS.set(key, part);
  }
  return part;
}

/** The sheets, and each one's header row as its print titles (repeated on every printed page). */
function workbookXml(sheets: Sheet[]): string {
  const titles = sheets.map((s, i) => `<definedName name="_xlnm.Print_Titles" localSheetId="${i}">'${xmlEscape(s.name.replaceAll("'", "''"))}'!$1:$1</definedName>`);
  return (
    `${XML_HEAD}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheets>` +
    sheets.map((s, i) => `<sheet name="${xmlEscape(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') +
    `</sheets><definedNames>${titles.join('')}</definedNames></workbook>`
  );
}

/** CELL_FORMATS as styles.xml: fonts plain and bold, a bottom border under the header. */
function stylesXml(): string {
  const formats = CELL_FORMATS.map(
    (f) =>
      `<xf numFmtId="${f.numFmt}" fontId="${f.bold ? 1 : 0}" fillId="${f.header ? 2 : 0}" borderId="${f.header ? 1 : 0}" xfId="0"` +
      `${f.numFmt ? ' applyNumberFormat="1"' : ''}${f.bold ? ' applyFont="1"' : ''}${f.header ? ' applyFill="1" applyBorder="1"' : ''}${f.quote ? ' quotePrefix="1"' : ''}/>`,
  );
  return (
    `${XML_HEAD}<styleSheet xmlns="${MAIN_NS}">` +
    `<numFmts count="${NUMBER_FORMATS.length}">${NUMBER_FORMATS.map((f) => `<numFmt numFmtId="${f.id}" formatCode="${xmlEscape(f.code)}"/>`).join('')}</numFmts>` +
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>' +
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>' +
    '<fill><patternFill patternType="solid"><fgColor rgb="FFEDEDED"/><bgColor indexed="64"/></patternFill></fill></fills>' +
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>' +
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
    `<cellXfs count="${formats.length}">${formats.join('')}</cellXfs>` +
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
    '</styleSheet>'
  );
}

/** A sheet: the header row frozen, the columns' widths, landscape pages fitted to one page wide. */
function worksheetXml(sheet: Sheet): Buffer {
  const widths = sheet.columns.map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${c.width}" customWidth="1"/>`).join('');
  const header = sheet.headers.map((name, i) => `<c r="${columnLetter(i)}1" s="${HEADER_FORMAT}" t="inlineStr"><is><t>${xmlEscape(name)}</t></is></c>`).join('');
  return Buffer.concat([
    Buffer.from(
      `${XML_HEAD}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' +
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>' +
        `<sheetFormatPr defaultRowHeight="15"/><cols>${widths}</cols>` +
        `<sheetData><row r="1">${header}</row>`,
    ),
    sheet.rows,
    Buffer.from(
      '</sheetData><pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>' +
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>',
    ),
  ]);
}
