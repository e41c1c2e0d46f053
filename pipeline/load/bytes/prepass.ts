// One streaming pass over an export's bytes, before DuckDB reads it:
// - the content hash (a file loaded before is not loaded again);
// - the encoding: valid UTF-8 (where it first breaks if not), a UTF-16 byte-order mark;
// - an independent count of the records, so the run can check
//   rows read = rows loaded + rows rejected without trusting a single reader;
// - where records do not sit one per line (blank lines, quoted line breaks), so that a row
//   DuckDB reads can be given the line number a person sees in an editor;
// - what DuckDB's reader would trip over and the loader deals with first: line breaks of mixed
//   kinds, a quote left open at the end of the file, text after a closing quote;
// - whether it holds control characters (NUL and the like), so that only such a file has its
//   cells checked for them.
// Records are split the way DuckDB's CSV reader splits them: a quote opens a quoted field only at
// the start of a field (after the delimiter, a line break or one space); inside, `""` is a quote;
// after the closing quote, spaces and another quote continue the field; any other quote is text.
// Line breaks are CRLF, LF or a lone CR, as editors count them.
// Only quotes and line breaks are looked at, with Buffer.indexOf doing the scanning: both are
// ASCII bytes that never occur inside a multi-byte UTF-8 or GB18030 character.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';

/** Delimiters an export may use, in order of preference on a tie. */
export const DELIMITERS = [',', '\t', ';', '|'];

/** The delimiter a header line uses: the candidate it holds most often (comma when none). */
export function detectDelimiter(headerLine: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    const count = headerLine.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** One of the first records of a file: the header is among them, maybe after a title or notes. */
export interface HeadRecord {
  /** DuckDB's line number of the record: records and blank lines counted from the file's start */
  unit: number;
  /** the physical line it starts on */
  line: number;
  /** byte offset of its first byte */
  start: number;
  /** byte offset of the record after it (past its line break) */
  next: number;
  /** its bytes without the final line break (at most HEAD_RECORD_BYTES) */
  bytes: Buffer;
  /** it holds nothing but spaces and tabs */
  whitespace: boolean;
}

export interface FileScan {
  bytes: number;
  sha256: string;
  /** the file's first bytes (up to 8): a zip archive or an old Excel file tells itself by them */
  magic: Buffer;
  utf8: boolean;
  /** byte offset of the first byte that breaks UTF-8 (null when the file is UTF-8) */
  invalidUtf8At: number | null;
  bom: boolean;
  /** a UTF-16 byte-order mark opens the file */
  utf16: 'utf-16le' | 'utf-16be' | null;
  /** the delimiter the record split assumed */
  delimiter: string;
  /** the first non-blank records (up to HEAD_RECORDS) */
  head: HeadRecord[];
  /** records that are not blank, header included */
  records: number;
  /** bytes of the longest record or blank line, its line break included */
  longestRecord: number;
  /** DuckDB line numbers (see HeadRecord.unit) of blank lines... */
  blankUnits: number[];
  /** ...and of records that span several physical lines, with how many extra lines they take */
  multiline: { unit: number; extra: number }[];
  /** line breaks outside quoted fields, by kind */
  newlines: { crlf: number; lf: number; cr: number };
  /** the file ends inside a quoted field: the record that was left open */
  unterminated: { unit: number; line: number; start: number; firstLineEnd: number } | null;
  /**
   * records with text after a closing quote ("x"y): DuckDB's reader rejects them, but not always
   * cleanly (with two of them and too many fields it also returns a row), so they are taken out first
   */
  badQuotes: { unit: number; line: number; start: number; end: number }[];
  /** holds full-width forms (U+FF01–FF5E), the ideographic space (U+3000) or a no-break space (U+00A0), in UTF-8 */
  wideForms: boolean;
  /** holds a tab, or a byte-order mark past the start: values may need more than spaces trimmed */
  otherBlanks: boolean;
  /** holds a control character other than tab, LF and CR (U+0000–0008, 000B, 000C, 000E–001F, 007F) */
  controlCharacters: boolean;
}

export interface ScanOptions {
  /** the delimiter; by default the one the first lines use */
  delimiter?: string;
}

export const HEAD_RECORDS = 20;
const HEAD_RECORD_BYTES = 64 * 1024;

// UTF-8 of U+FF00–FF7F, U+3000 and U+00A0: the forms a Chinese input method or a web page leaves
const WIDE_MARKERS = [Buffer.from([0xef, 0xbc]), Buffer.from([0xef, 0xbd]), Buffer.from([0xe3, 0x80, 0x80]), Buffer.from([0xc2, 0xa0])];

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const SPACE = 0x20;
const TAB = 0x09;
const FILE_START = -1; // the byte "before" the first one: a field starts there
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export async function scanFile(path: string, options: ScanOptions = {}): Promise<FileScan> {
  const hash = createHash('sha256');
  let bytes = 0;
  let utf8 = true;
  let invalidUtf8At: number | null = null;
  let utf8Carry: Buffer = Buffer.alloc(0); // an incomplete UTF-8 sequence at a chunk's end
  let bom = false;
  let utf16: FileScan['utf16'] = null;
  let first = true;
  let magic: Buffer = Buffer.alloc(0);
  let wideForms = false;
  let wideTail: Buffer = Buffer.alloc(0);
  let otherBlanks = false;
  let blankTail: Buffer = Buffer.alloc(0);
  let controlCharacters = false;

  let delimiter = options.delimiter ?? ',';
  let delimiterByte = delimiter.charCodeAt(0);

  // record split
  let inQuotes = false;
  let closeRun = false; // right after a closing quote, with nothing but spaces since
  let closeRunFrom = 0; // index in the chunk from which closeRun's spaces are still to be checked
  let afterClose = false; // a closing quote was the chunk's last byte (or only spaces followed it)
  let recBadQuote = false; // the current record has text after a closing quote
  const badQuotes: FileScan['badQuotes'] = [];
  let pendingCR = false; // the previous chunk ended with a CR: an LF starting this chunk belongs to it
  let pendingCROutside = false;
  let prev1 = FILE_START; // the two bytes before the chunk
  let prev2 = FILE_START;

  let units = 0; // DuckDB lines completed
  let physical = 0; // physical lines completed
  let records = 0;
  let longestRecord = 0;
  let recStart = 0; // file offset of the current record
  let recLines = 1; // physical lines it spans so far
  let recFirstBreak = -1; // file offset of its first line break inside quotes
  let headParts: Buffer[] = [];
  let headPartsBytes = 0;
  const head: HeadRecord[] = [];
  const blankUnits: number[] = [];
  const multiline: { unit: number; extra: number }[] = [];
  const newlines = { crlf: 0, lf: 0, cr: 0 };

  // (given the bounds rather than a slice: past the first records this runs for every record,
  // and a Buffer view per record was a fifth of the pass)
  const keepHead = (from: Buffer, start: number, end: number) => {
    if (head.length >= HEAD_RECORDS || headPartsBytes >= HEAD_RECORD_BYTES) return;
    const take = from.subarray(start, Math.min(end, start + HEAD_RECORD_BYTES - headPartsBytes));
    headParts.push(Buffer.from(take));
    headPartsBytes += take.length;
  };

  /** the record that started at recStart ends; its content ends at contentEnd, the next starts at nextStart */
  const endRecord = (contentEnd: number, nextStart: number) => {
    units += 1;
    if (recBadQuote) badQuotes.push({ unit: units, line: physical + 1, start: recStart, end: contentEnd });
    if (recLines === 1 && contentEnd === recStart) {
      blankUnits.push(units);
    } else {
      records += 1;
      if (recLines > 1) multiline.push({ unit: units, extra: recLines - 1 });
      if (head.length < HEAD_RECORDS) {
        const recordBytes = Buffer.concat(headParts);
        head.push({ unit: units, line: physical + 1, start: recStart, next: nextStart, bytes: recordBytes, whitespace: isBlankText(recordBytes) });
      }
    }
    physical += recLines;
    longestRecord = Math.max(longestRecord, nextStart - recStart);
    recStart = nextStart;
    recLines = 1;
    recFirstBreak = -1;
    if (headParts.length > 0) headParts = [];
    headPartsBytes = 0;
    closeRun = false;
    afterClose = false;
    recBadQuote = false;
  };

  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let base = 0; // file offset of chunk[0]
  for await (const chunkAny of stream) {
    let chunk = chunkAny as Buffer;
    hash.update(chunk);
    bytes += chunk.length;
    let skip = 0; // bytes at the chunk's start that are not content (a BOM)
    if (first) {
      first = false;
      magic = Buffer.from(chunk.subarray(0, 8));
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        bom = true;
        skip = 3;
      } else if (chunk.length >= 2 && chunk[0] === 0xff && chunk[1] === 0xfe) {
        utf16 = 'utf-16le';
      } else if (chunk.length >= 2 && chunk[0] === 0xfe && chunk[1] === 0xff) {
        utf16 = 'utf-16be';
      }
      if (options.delimiter === undefined) delimiter = sniffDelimiter(chunk.subarray(skip, skip + 65536));
      delimiterByte = delimiter.charCodeAt(0);
      recStart = skip;
    }
    if (utf8) {
      const joined = utf8Carry.length ? Buffer.concat([utf8Carry, chunk]) : chunk;
      const cut = completeUtf8Prefix(joined);
      if (!isUtf8(joined.subarray(0, cut))) {
        utf8 = false;
        invalidUtf8At = base - utf8Carry.length + firstInvalidUtf8(joined.subarray(0, cut));
      }
      utf8Carry = Buffer.from(joined.subarray(cut));
    }
    if (!wideForms) {
      const edge = Buffer.concat([wideTail, chunk.subarray(0, 2)]);
      wideForms = WIDE_MARKERS.some((m) => chunk.includes(m) || edge.includes(m));
      wideTail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - 2)));
    }
    if (!otherBlanks) {
      const edge = Buffer.concat([blankTail, chunk.subarray(0, 2)]);
      otherBlanks = chunk.includes(TAB) || chunk.includes(BOM, skip) || edge.includes(BOM);
      blankTail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - 2)));
    }
    if (!controlCharacters) controlCharacters = holdsControlCharacter(chunk);
    if (utf16) {
      base += chunk.length;
      continue; // the record split is done on the transcoded file
    }

    // bytes before the chunk's index i (i may be -1 or -2)
    const byteBefore = (i: number) => (i >= 0 ? chunk[i]! : i === -1 ? prev1 : prev2);
    const startsField = (b: number) => b === LF || b === CR || b === FILE_START || b === delimiterByte;
    const quoteOpensField = (i: number) => {
      const b1 = byteBefore(i - 1);
      return startsField(b1) || (b1 === SPACE && delimiterByte !== SPACE && startsField(byteBefore(i - 2)));
    };
    const spacesOnly = (from: number, to: number) => {
      for (let k = from; k < to; k++) if (chunk[k] !== SPACE) return false;
      return true;
    };
    // after a closing quote: spaces, then a delimiter, a line break, a quote or the end; else text
    // follows the quote, which DuckDB rejects
    const checkAfterClose = (from: number) => {
      let k = from;
      while (k < chunk.length && chunk[k] === SPACE) k++;
      if (k === chunk.length) {
        afterClose = true;
        return;
      }
      afterClose = false;
      const b = chunk[k]!;
      if (b !== QUOTE && b !== delimiterByte && b !== LF && b !== CR) recBadQuote = true;
    };

    let pos = skip;
    if (pendingCR) {
      pendingCR = false;
      if (chunk[0] === LF) {
        pos = 1;
        if (pendingCROutside) newlines.crlf += 1;
        // the record boundary was already placed after the CR: move it past the LF
        if (pendingCROutside && recStart === base) recStart = base + 1;
      } else if (pendingCROutside) {
        newlines.cr += 1;
      }
    }
    const recStartInChunk = () => Math.max(recStart - base, 0);
    if (afterClose) checkAfterClose(pos);

    let nq = chunk.indexOf(QUOTE, pos);
    let nl = chunk.indexOf(LF, pos);
    let nc = chunk.indexOf(CR, pos);
    for (;;) {
      let e = -1;
      if (nq !== -1) e = nq;
      if (nl !== -1 && (e === -1 || nl < e)) e = nl;
      if (nc !== -1 && (e === -1 || nc < e)) e = nc;
      if (e === -1) break;

      if (e === nq) {
        if (inQuotes) {
          inQuotes = false;
          closeRun = true;
          closeRunFrom = e + 1;
          checkAfterClose(e + 1);
        } else {
          if ((closeRun && spacesOnly(closeRunFrom, e)) || quoteOpensField(e)) inQuotes = true;
          closeRun = false;
        }
        nq = chunk.indexOf(QUOTE, e + 1);
        continue;
      }

      // a line break: CRLF, LF or a lone CR
      const isCR = e === nc;
      const crlf = isCR && e + 1 < chunk.length && chunk[e + 1] === LF;
      const crAtEnd = isCR && e + 1 === chunk.length;
      const breakEnd = crlf ? e + 2 : e + 1;
      if (inQuotes) {
        recLines += 1;
        if (recFirstBreak === -1) recFirstBreak = base + e;
        if (crAtEnd) {
          pendingCR = true;
          pendingCROutside = false;
        }
      } else {
        if (crlf) newlines.crlf += 1;
        else if (!isCR) newlines.lf += 1;
        else if (crAtEnd) {
          pendingCR = true;
          pendingCROutside = true;
        } else newlines.cr += 1;
        keepHead(chunk, recStartInChunk(), e);
        endRecord(base + e, base + breakEnd);
      }
      if (isCR) {
        nc = chunk.indexOf(CR, e + 1);
        if (crlf) nl = chunk.indexOf(LF, e + 2);
      } else {
        nl = chunk.indexOf(LF, e + 1);
      }
    }

    // carry the state over to the next chunk
    if (closeRun) {
      closeRun = spacesOnly(closeRunFrom, chunk.length);
      closeRunFrom = 0;
    }
    if (recStart < base + chunk.length) keepHead(chunk, recStartInChunk(), chunk.length);
    if (chunk.length >= 2) {
      prev2 = chunk[chunk.length - 2]!;
      prev1 = chunk[chunk.length - 1]!;
    } else if (chunk.length === 1) {
      prev2 = prev1;
      prev1 = chunk[0]!;
    }
    base += chunk.length;
  }
  if (utf8 && utf8Carry.length) {
    utf8 = false; // ends inside a multi-byte sequence
    invalidUtf8At = bytes - utf8Carry.length;
  }

  let unterminated: FileScan['unterminated'] = null;
  if (!utf16) {
    if (pendingCR && pendingCROutside) newlines.cr += 1;
    if (inQuotes) {
      unterminated = { unit: units + 1, line: physical + 1, start: recStart, firstLineEnd: recFirstBreak === -1 ? bytes : recFirstBreak };
    }
    if (recStart < bytes || recLines > 1) endRecord(bytes, bytes);
  }

  return {
    bytes, sha256: hash.digest('hex'), magic, utf8, invalidUtf8At, bom, utf16, delimiter,
    head, records, longestRecord, blankUnits, multiline, newlines, unterminated, badQuotes, wideForms, otherBlanks, controlCharacters,
  };
}

// the bytes holdsControlCharacter looks for: in UTF-8 and GB18030 they are never part of a character
const CONTROL = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) if (b !== TAB && b !== LF && b !== CR) CONTROL[b] = 1;
CONTROL[0x7f] = 1;

/**
 * Whether the bytes hold a control character. Four bytes at a time (the pass runs over every byte
 * of every export): a word is looked at byte by byte only when one of its bytes is below 0x20 or
 * is 0x7F, which in a clean export are the line breaks and tabs.
 */
function holdsControlCharacter(chunk: Buffer): boolean {
  const aligned = chunk.byteOffset % 4 === 0;
  const words = aligned ? new Int32Array(chunk.buffer, chunk.byteOffset, chunk.length >>> 2) : new Int32Array(0);
  const count = words.length;
  for (let w = 0; w < count; w++) {
    const x = words[w]!;
    const y = x ^ 0x7f7f7f7f;
    // a byte below 0x20 (x - 0x20 borrows into its top bit), or a byte 0x7f (y has a zero byte)
    if ((((x - 0x20202020) & ~x) | ((y - 0x01010101) & ~y)) & 0x80808080) {
      for (let k = w * 4; k < w * 4 + 4; k++) if (CONTROL[chunk[k]!]) return true;
    }
  }
  for (let k = count * 4; k < chunk.length; k++) if (CONTROL[chunk[k]!]) return true;
  return false;
}

/** The delimiter of the first line among the first few that holds one (a title line may hold none). */
function sniffDelimiter(start: Buffer): string {
  const lines = start.toString('latin1').split(/\r\n|\n|\r/).slice(0, HEAD_RECORDS);
  for (const line of lines) {
    if (DELIMITERS.some((d) => line.includes(d))) return detectDelimiter(line);
  }
  return ',';
}

function isBlankText(b: Buffer): boolean {
  for (const x of b) if (x !== SPACE && x !== TAB) return false;
  return true;
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

/** Offset of the first byte that is not valid UTF-8, in bytes known to hold one. */
function firstInvalidUtf8(buf: Buffer): number {
  const text = buf.toString('utf8');
  let from = 0;
  for (;;) {
    const i = text.indexOf('\uFFFD', from);
    if (i === -1) return buf.length;
    const offset = Buffer.byteLength(text.slice(0, i), 'utf8');
    // a real U+FFFD in the file is EF BF BD; anything else is where decoding broke
    if (!(buf[offset] === 0xef && buf[offset + 1] === 0xbf && buf[offset + 2] === 0xbd)) return offset;
    from = i + 1;
  }
}
