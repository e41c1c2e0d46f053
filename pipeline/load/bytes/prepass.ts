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
  const content = new ContentChecks();
  const split = new RecordSplit(options.delimiter ?? ',');
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let first = true;
  for await (const chunkAny of stream) {
    const chunk = chunkAny as Buffer;
    let skip = 0; // bytes at the chunk's start that are not content (a BOM)
    if (first) {
      first = false;
      skip = content.start(chunk);
      split.start(chunk, skip, options.delimiter);
    }
    content.add(chunk, skip);
    // a UTF-16 file's records are split on the transcoded file
    if (!content.utf16) split.add(chunk, skip);
  }
  content.end();
  const { bytes } = content;
  const unterminated = content.utf16 ? null : split.end(bytes);
  return {
    bytes, sha256: content.hash.digest('hex'), magic: content.magic, utf8: content.utf8, invalidUtf8At: content.invalidUtf8At,
    bom: content.bom, utf16: content.utf16, delimiter: split.delimiter, head: split.head, records: split.records,
    longestRecord: split.longestRecord, blankUnits: split.blankUnits, multiline: split.multiline, newlines: split.newlines,
    unterminated, badQuotes: split.badQuotes, wideForms: content.wideForms, otherBlanks: content.otherBlanks,
    controlCharacters: content.controlCharacters,
  };
}

/** What the bytes are, whatever their records: hash, encoding, and the characters that need care. */
class ContentChecks {
  readonly hash = createHash('sha256');
  bytes = 0;
  magic: Buffer = Buffer.alloc(0);
  bom = false;
  utf16: FileScan['utf16'] = null;
  utf8 = true;
  invalidUtf8At: number | null = null;
  wideForms = false;
  otherBlanks = false;
  controlCharacters = false;
  private utf8Carry: Buffer = Buffer.alloc(0); // an incomplete UTF-8 sequence at a chunk's end
  private wideTail: Buffer = Buffer.alloc(0);
  private blankTail: Buffer = Buffer.alloc(0);

  /** The first chunk: its magic bytes and byte-order mark; returns how many bytes the mark takes. */
  start(chunk: Buffer): number {
    this.magic = Buffer.from(chunk.subarray(0, 8));
    if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
      this.bom = true;
      return 3;
    }
    if (chunk.length >= 2 && chunk[0] === 0xff && chunk[1] === 0xfe) this.utf16 = 'utf-16le';
    else if (chunk.length >= 2 && chunk[0] === 0xfe && chunk[1] === 0xff) this.utf16 = 'utf-16be';
    return 0;
  }

  /** The next chunk; skip is the byte-order mark at its start. Each test stops once it has found what it looks for. */
  add(chunk: Buffer, skip: number): void {
    const base = this.bytes; // file offset of chunk[0]
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.utf8) {
      const joined = this.utf8Carry.length ? Buffer.concat([this.utf8Carry, chunk]) : chunk;
      const cut = completeUtf8Prefix(joined);
      if (!isUtf8(joined.subarray(0, cut))) {
        this.utf8 = false;
        this.invalidUtf8At = base - this.utf8Carry.length + firstInvalidUtf8(joined.subarray(0, cut));
      }
      this.utf8Carry = Buffer.from(joined.subarray(cut));
    }
    // the markers may straddle two chunks: the last bytes of one are looked at with the first of the next
    if (!this.wideForms) {
      const edge = Buffer.concat([this.wideTail, chunk.subarray(0, 2)]);
      this.wideForms = WIDE_MARKERS.some((m) => chunk.includes(m) || edge.includes(m));
      this.wideTail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - 2)));
    }
    if (!this.otherBlanks) {
      const edge = Buffer.concat([this.blankTail, chunk.subarray(0, 2)]);
      this.otherBlanks = chunk.includes(TAB) || chunk.includes(BOM, skip) || edge.includes(BOM);
      this.blankTail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - 2)));
    }
    if (!this.controlCharacters) this.controlCharacters = holdsControlCharacter(chunk);
  }

  end(): void {
    if (this.utf8 && this.utf8Carry.length) {
      this.utf8 = false; // ends inside a multi-byte sequence
      this.invalidUtf8At = this.bytes - this.utf8Carry.length;
    }
  }
}

/**
 * The split of the bytes into records, as DuckDB's reader splits them (see the top of the file),
 * chunk by chunk: where each record starts and ends, over how many lines, and the first records
 * kept whole. Its state carries over from one chunk to the next.
 */
class RecordSplit {
  delimiter: string;
  private delimiterByte: number;
  private chunk: Buffer = Buffer.alloc(0);
  private base = 0; // file offset of chunk[0]

  private inQuotes = false;
  private closeRun = false; // right after a closing quote, with nothing but spaces since
  private closeRunFrom = 0; // index in the chunk from which closeRun's spaces are still to be checked
  private afterClose = false; // a closing quote was the chunk's last byte (or only spaces followed it)
  private recBadQuote = false; // the current record has text after a closing quote
  private pendingCR = false; // the previous chunk ended with a CR: an LF starting this chunk belongs to it
  private pendingCROutside = false;
  private prev1 = FILE_START; // the two bytes before the chunk
  private prev2 = FILE_START;

  private units = 0; // DuckDB lines completed
  private physical = 0; // physical lines completed
  private recStart = 0; // file offset of the current record
  private recLines = 1; // physical lines it spans so far
  private recFirstBreak = -1; // file offset of its first line break inside quotes
  private headParts: Buffer[] = [];
  private headPartsBytes = 0;

  records = 0;
  longestRecord = 0;
  readonly head: HeadRecord[] = [];
  readonly blankUnits: number[] = [];
  readonly multiline: { unit: number; extra: number }[] = [];
  readonly newlines = { crlf: 0, lf: 0, cr: 0 };
  readonly badQuotes: FileScan['badQuotes'] = [];

  constructor(delimiter: string) {
    this.delimiter = delimiter;
    this.delimiterByte = delimiter.charCodeAt(0);
  }

  /** The first chunk: the delimiter, when not given, is the one its first lines use; records start past the BOM. */
  start(chunk: Buffer, skip: number, delimiter: string | undefined): void {
    if (delimiter === undefined) this.delimiter = sniffDelimiter(chunk.subarray(skip, skip + 65536));
    this.delimiterByte = this.delimiter.charCodeAt(0);
    this.recStart = skip;
  }

  /** The next chunk, from its byte skip on, split at its quotes and line breaks (found by indexOf). */
  add(chunk: Buffer, skip: number): void {
    this.chunk = chunk;
    const pos = this.afterPendingCR(skip);
    if (this.afterClose) this.checkAfterClose(pos);
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
        this.quoteAt(e);
        nq = chunk.indexOf(QUOTE, e + 1);
        continue;
      }
      // a line break: CRLF, LF or a lone CR
      const isCR = e === nc;
      const crlf = isCR && e + 1 < chunk.length && chunk[e + 1] === LF;
      this.lineBreakAt(e, isCR, crlf);
      if (isCR) {
        nc = chunk.indexOf(CR, e + 1);
        if (crlf) nl = chunk.indexOf(LF, e + 2);
      } else {
        nl = chunk.indexOf(LF, e + 1);
      }
    }
    this.carryOver();
  }

  /** The end of the file: the last record, and the one left open inside a quoted field, if any. */
  end(bytes: number): FileScan['unterminated'] {
    let unterminated: FileScan['unterminated'] = null;
    if (this.pendingCR && this.pendingCROutside) this.newlines.cr += 1;
    if (this.inQuotes) {
      unterminated = { unit: this.units + 1, line: this.physical + 1, start: this.recStart, firstLineEnd: this.recFirstBreak === -1 ? bytes : this.recFirstBreak };
    }
    if (this.recStart < bytes || this.recLines > 1) this.endRecord(bytes, bytes);
    return unterminated;
  }

  /** A CR that ended the previous chunk, and an LF that starts this one: one line break. Returns where the chunk's content starts. */
  private afterPendingCR(skip: number): number {
    if (!this.pendingCR) return skip;
    this.pendingCR = false;
    if (this.chunk[0] === LF) {
      if (this.pendingCROutside) this.newlines.crlf += 1;
      // the record boundary was already placed after the CR: move it past the LF
      if (this.pendingCROutside && this.recStart === this.base) this.recStart = this.base + 1;
      return 1;
    }
    if (this.pendingCROutside) this.newlines.cr += 1;
    return skip;
  }

  private quoteAt(e: number): void {
    if (this.inQuotes) {
      this.inQuotes = false;
      this.closeRun = true;
      this.closeRunFrom = e + 1;
      this.checkAfterClose(e + 1);
    } else {
      if ((this.closeRun && this.spacesOnly(this.closeRunFrom, e)) || this.quoteOpensField(e)) this.inQuotes = true;
      this.closeRun = false;
    }
  }

  /** A line break at e: inside quotes, one more line of the record; outside, the record ends. */
  private lineBreakAt(e: number, isCR: boolean, crlf: boolean): void {
    const { chunk, base } = this;
    const crAtEnd = isCR && e + 1 === chunk.length;
    const breakEnd = crlf ? e + 2 : e + 1;
    if (this.inQuotes) {
      this.recLines += 1;
      if (this.recFirstBreak === -1) this.recFirstBreak = base + e;
      if (crAtEnd) {
        this.pendingCR = true;
        this.pendingCROutside = false;
      }
      return;
    }
    if (crlf) this.newlines.crlf += 1;
    else if (!isCR) this.newlines.lf += 1;
    else if (crAtEnd) {
      this.pendingCR = true;
      this.pendingCROutside = true;
    } else this.newlines.cr += 1;
    this.keepHead(this.recStartInChunk(), e);
    this.endRecord(base + e, base + breakEnd);
  }

  /** The state the next chunk starts from. */
  private carryOver(): void {
    const { chunk } = this;
    if (this.closeRun) {
      this.closeRun = this.spacesOnly(this.closeRunFrom, chunk.length);
      this.closeRunFrom = 0;
    }
    if (this.recStart < this.base + chunk.length) this.keepHead(this.recStartInChunk(), chunk.length);
    if (chunk.length >= 2) {
      this.prev2 = chunk[chunk.length - 2]!;
      this.prev1 = chunk[chunk.length - 1]!;
    } else if (chunk.length === 1) {
      this.prev2 = this.prev1;
      this.prev1 = chunk[0]!;
    }
    this.base += chunk.length;
  }

  private recStartInChunk(): number {
    return Math.max(this.recStart - this.base, 0);
  }

  /** the byte before the chunk's index i (i may be -1 or -2) */
  private byteBefore(i: number): number {
    return i >= 0 ? this.chunk[i]! : i === -1 ? this.prev1 : this.prev2;
  }

  private startsField(b: number): boolean {
    return b === LF || b === CR || b === FILE_START || b === this.delimiterByte;
  }

  private quoteOpensField(i: number): boolean {
    const b1 = this.byteBefore(i - 1);
    return this.startsField(b1) || (b1 === SPACE && this.delimiterByte !== SPACE && this.startsField(this.byteBefore(i - 2)));
  }

  private spacesOnly(from: number, to: number): boolean {
    for (let k = from; k < to; k++) if (this.chunk[k] !== SPACE) return false;
    return true;
  }

  /**
   * After a closing quote: spaces, then a delimiter, a line break, a quote or the end; else text
   * follows the quote, which DuckDB rejects.
   */
  private checkAfterClose(from: number): void {
    const { chunk } = this;
    let k = from;
    while (k < chunk.length && chunk[k] === SPACE) k++;
    if (k === chunk.length) {
      this.afterClose = true;
      return;
    }
    this.afterClose = false;
    const b = chunk[k]!;
    if (b !== QUOTE && b !== this.delimiterByte && b !== LF && b !== CR) this.recBadQuote = true;
  }

  // (given the bounds rather than a slice: past the first records this runs for every record,
  // and a Buffer view per record was a fifth of the pass)
  private keepHead(start: number, end: number): void {
    if (this.head.length >= HEAD_RECORDS || this.headPartsBytes >= HEAD_RECORD_BYTES) return;
    const take = this.chunk.subarray(start, Math.min(end, start + HEAD_RECORD_BYTES - this.headPartsBytes));
    this.headParts.push(Buffer.from(take));
    this.headPartsBytes += take.length;
  }

  /** The record that started at recStart ends; its content ends at contentEnd, the next starts at nextStart. */
  private endRecord(contentEnd: number, nextStart: number): void {
    this.units += 1;
    if (this.recBadQuote) this.badQuotes.push({ unit: this.units, line: this.physical + 1, start: this.recStart, end: contentEnd });
    if (this.recLines === 1 && contentEnd === this.recStart) {
      this.blankUnits.push(this.units);
    } else {
      this.records += 1;
      if (this.recLines > 1) this.multiline.push({ unit: this.units, extra: this.recLines - 1 });
      if (this.head.length < HEAD_RECORDS) {
        const recordBytes = Buffer.concat(this.headParts);
        this.head.push({ unit: this.units, line: this.physical + 1, start: this.recStart, next: nextStart, bytes: recordBytes, whitespace: isBlankText(recordBytes) });
      }
    }
    this.physical += this.recLines;
    this.longestRecord = Math.max(this.longestRecord, nextStart - this.recStart);
    this.recStart = nextStart;
    this.recLines = 1;
    this.recFirstBreak = -1;
    if (this.headParts.length > 0) this.headParts = [];
    this.headPartsBytes = 0;
    this.closeRun = false;
    this.afterClose = false;
    this.recBadQuote = false;
  }
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
