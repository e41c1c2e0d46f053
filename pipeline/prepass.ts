// One streaming pass over an export's bytes, before DuckDB reads it:
// - the content hash (a file loaded before is not loaded again);
// - whether the bytes are valid UTF-8 (otherwise the file is transcoded from GB18030);
// - an independent count of the data records, so the run can check
//   rows read = rows loaded + rows rejected without trusting a single reader;
// - where records do not sit one per line (blank lines, quoted line breaks), so that a row
//   DuckDB reads can be given the line number a person sees in an editor.
// Only quotes and line breaks are looked at, with Buffer.indexOf doing the scanning: both are
// ASCII bytes that never occur inside a multi-byte UTF-8 or GB18030 character.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';

export interface FileScan {
  bytes: number;
  sha256: string;
  utf8: boolean;
  bom: boolean;
  /** bytes of the header line (BOM and line break removed) */
  headerBytes: Buffer;
  /** data records (not counting the header and blank lines) */
  records: number;
  /**
   * DuckDB numbers lines by record: each record and each blank line is one line, the header is
   * line 1. These are the DuckDB line numbers of blank lines after the header...
   */
  blankLines: number[];
  /** ...and of records that span more than one physical line, with how many extra lines they take. */
  multiline: { line: number; extra: number }[];
  /** the file ends inside a quoted field */
  unterminatedQuote: boolean;
  /** holds full-width forms (U+FF01–FF5E) or the ideographic space (U+3000), in UTF-8 */
  fullWidth: boolean;
}

// UTF-8 lead bytes of U+FF00–FF7F and of U+3000: the full-width forms a Chinese input method types
const FULL_WIDTH_MARKERS = [Buffer.from([0xef, 0xbc]), Buffer.from([0xef, 0xbd]), Buffer.from([0xe3, 0x80, 0x80])];

const NL = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

export async function scanFile(path: string): Promise<FileScan> {
  const hash = createHash('sha256');
  let bytes = 0;
  let utf8 = true;
  let carry: Buffer = Buffer.alloc(0); // an incomplete UTF-8 sequence at a chunk's end
  let bom = false;
  let first = true;
  let fullWidth = false;

  let inQuotes = false;
  let recordLines = 1; // physical lines the current record spans so far
  let recordHasContent = false;
  let duckLine = 0; // DuckDB lines completed
  let records = 0;
  const blankLines: number[] = [];
  const multiline: { line: number; extra: number }[] = [];
  const headerParts: Buffer[] = [];
  let headerDone = false;

  const endRecord = () => {
    if (!recordHasContent && recordLines === 1) {
      // a blank line: DuckDB counts it as a line; before the header it is skipped by no one, so count it too
      duckLine += 1;
      if (headerDone) blankLines.push(duckLine);
    } else {
      duckLine += 1;
      if (!headerDone) headerDone = true;
      else {
        records += 1;
        if (recordLines > 1) multiline.push({ line: duckLine, extra: recordLines - 1 });
      }
    }
    recordLines = 1;
    recordHasContent = false;
  };

  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const chunkAny of stream) {
    let chunk = chunkAny as Buffer;
    hash.update(chunk);
    bytes += chunk.length;
    if (first) {
      first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        bom = true;
        chunk = chunk.subarray(3);
      }
    }
    if (utf8) {
      const joined = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const cut = completeUtf8Prefix(joined);
      if (!isUtf8(joined.subarray(0, cut))) utf8 = false;
      carry = Buffer.from(joined.subarray(cut));
    }

    // a marker split across two chunks is missed only if the file has no other one: good enough for a speed switch
    if (!fullWidth) fullWidth = FULL_WIDTH_MARKERS.some((m) => chunk.includes(m));

    let pos = 0;
    let nextQuote = chunk.indexOf(QUOTE, 0);
    while (pos < chunk.length) {
      let nl = chunk.indexOf(NL, pos);
      const segmentEnd = nl === -1 ? chunk.length : nl;
      while (nextQuote !== -1 && nextQuote < segmentEnd) {
        inQuotes = !inQuotes;
        nextQuote = chunk.indexOf(QUOTE, nextQuote + 1);
      }
      // content: anything but a lone CR before the line break
      const contentEnd = nl !== -1 && segmentEnd > pos && chunk[segmentEnd - 1] === CR ? segmentEnd - 1 : segmentEnd;
      if (contentEnd > pos) recordHasContent = true;
      if (!headerDone) headerParts.push(chunk.subarray(pos, segmentEnd));
      if (nl === -1) break;
      if (inQuotes) {
        recordLines += 1;
        if (!headerDone) headerParts.push(Buffer.from('\n'));
      } else {
        endRecord();
      }
      pos = nl + 1;
      nl = -1;
    }
  }
  if (utf8 && carry.length) utf8 = false; // ends inside a multi-byte sequence
  const unterminatedQuote = inQuotes;
  if (recordHasContent || recordLines > 1) endRecord();

  let headerBytes = Buffer.concat(headerParts);
  if (headerBytes.length && headerBytes[headerBytes.length - 1] === CR) headerBytes = headerBytes.subarray(0, -1);
  return { bytes, sha256: hash.digest('hex'), utf8, bom, headerBytes, records, blankLines, multiline, unterminatedQuote, fullWidth };
}

/** Length of the longest prefix that does not end inside a multi-byte UTF-8 sequence. */
function completeUtf8Prefix(buf: Buffer): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}
