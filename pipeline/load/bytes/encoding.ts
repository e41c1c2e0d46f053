// Exports saved by Excel on Chinese Windows are GBK/GB18030, and Excel's "Unicode text" is UTF-16.
// DuckDB's reader wants UTF-8, so such a file is transcoded once, streaming, into a temporary UTF-8
// file. A byte sequence the encoding cannot decode stops the load, naming the byte offset: loading
// mojibake would put wrong ids and names into HR's figures. So does a file that is UTF-8 except
// for a few broken bytes: read as GB18030 it would decode "cleanly" into nonsense.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import iconv from 'iconv-lite';

export class EncodingError extends Error {}

export type SourceEncoding = 'gb18030' | 'utf-16le' | 'utf-16be';

// Common CJK ideographs: a UTF-8 file holds many that decode, a GBK file read as UTF-8 almost none.
const CJK = /[\u4e00-\u9fff]/g;
// A surrogate without its partner: what a UTF-16 decoder gives for a broken pair.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * A file that is not valid UTF-8 but reads as UTF-8 almost everywhere (Chinese text that decodes,
 * a few broken bytes): a damaged UTF-8 export, not a GBK one. GBK text read as UTF-8 breaks at
 * nearly every Chinese character.
 */
export async function looksLikeBrokenUtf8(path: string): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let broken = 0;
  let ideographs = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = decoder.decode(chunk as Buffer, { stream: true });
    ideographs += text.match(CJK)?.length ?? 0;
    for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) broken += 1;
  }
  return ideographs > 0 && broken * 4 <= ideographs;
}

export async function transcodeToUtf8(source: string, target: string, fileLabel: string, encoding: SourceEncoding): Promise<void> {
  let consumed = 0; // bytes of the source handed to the decoder before the current chunk
  let pendingHigh = ''; // a high surrogate at the end of a chunk, waiting for its partner
  const decoder = iconv.getDecoder(encoding);

  const fail = async (text: string, bad: number, chunkLength: number): Promise<EncodingError> => {
    // the exact spot, found again from the start by the structure of the bytes (only on this path)
    const exact = encoding === 'gb18030' ? await firstMalformedGb18030(source) : undefined;
    const at = exact !== undefined && exact >= consumed - 4 && exact < consumed + chunkLength ? exact : consumed + approxByteOffset(text, bad, encoding);
    return new EncodingError(
      `${fileLabel}: neither UTF-8 nor ${encoding === 'gb18030' ? 'GB18030' : encoding.toUpperCase()}: the bytes at byte offset ${at} cannot be decoded; save the export as UTF-8 or GBK`,
    );
  };

  const toUtf8 = new Transform({
    transform(chunk: Buffer, _enc, done) {
      let text = pendingHigh + decoder.write(chunk);
      pendingHigh = '';
      if (text.length > 0) {
        const last = text.charCodeAt(text.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          pendingHigh = text.slice(-1);
          text = text.slice(0, -1);
        }
      }
      const bad = text.indexOf('\uFFFD');
      if (bad !== -1 || LONE_SURROGATE.test(text)) {
        fail(text, bad === -1 ? text.search(LONE_SURROGATE) : bad, chunk.length).then(done, done);
        return;
      }
      consumed += chunk.length;
      done(null, Buffer.from(text, 'utf8'));
    },
    flush(done) {
      const rest = pendingHigh + (decoder.end() ?? '');
      if (rest.includes('\uFFFD') || LONE_SURROGATE.test(rest)) {
        done(new EncodingError(`${fileLabel}: neither UTF-8 nor ${encoding === 'gb18030' ? 'GB18030' : encoding.toUpperCase()}: the file ends inside a character (byte offset ${consumed})`));
        return;
      }
      done(null, rest ? Buffer.from(rest, 'utf8') : undefined);
    },
  });
  await pipeline(createReadStream(source, { highWaterMark: 1 << 20 }), toUtf8, createWriteStream(target));
}

/**
 * The offset of the first byte sequence that is not GB18030 by its structure: one byte up to 0x80;
 * a lead 0x81–0xFE with a trail 0x40–0x7E or 0x80–0xFE; or four bytes lead, digit, lead, digit.
 * Undefined when the structure holds throughout (a well-formed sequence that is not assigned).
 */
async function firstMalformedGb18030(source: string): Promise<number | undefined> {
  let carry: Buffer = Buffer.alloc(0);
  let base = 0; // file offset of carry[0]
  for await (const chunkAny of createReadStream(source, { highWaterMark: 1 << 20 })) {
    const bytes = carry.length ? Buffer.concat([carry, chunkAny as Buffer]) : (chunkAny as Buffer);
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i]!;
      if (b <= 0x80) {
        i += 1;
        continue;
      }
      if (b === 0xff) return base + i;
      if (i + 1 >= bytes.length) break;
      const b2 = bytes[i + 1]!;
      if ((b2 >= 0x40 && b2 <= 0x7e) || (b2 >= 0x80 && b2 <= 0xfe)) {
        i += 2;
        continue;
      }
      if (b2 < 0x30 || b2 > 0x39) return base + i;
      if (i + 3 >= bytes.length) break;
      const b3 = bytes[i + 2]!;
      const b4 = bytes[i + 3]!;
      if (b3 < 0x81 || b3 > 0xfe || b4 < 0x30 || b4 > 0x39) return base + i;
      i += 4;
    }
    carry = Buffer.from(bytes.subarray(i));
    base += i;
  }
  return carry.length > 0 ? base : undefined;
}

/** GB18030 takes one byte for ASCII and two (rarely four) for the rest: a fallback to point a person at the spot. */
function approxByteOffset(text: string, charIndex: number, encoding: SourceEncoding): number {
  if (encoding !== 'gb18030') return charIndex * 2;
  let bytes = 0;
  for (let i = 0; i < charIndex; i++) bytes += text.charCodeAt(i) < 0x80 ? 1 : 2;
  return bytes;
}

// Repairs made before DuckDB reads a file, each a streaming copy into a temporary file.

/** Every line break (CRLF, LF, lone CR) as LF: DuckDB's reader stops on a file that mixes them. */
export async function normaliseLineBreaks(source: string, target: string): Promise<void> {
  let pendingCR = false;
  const toLf = new Transform({
    transform(chunk: Buffer, _enc, done) {
      let text = (pendingCR ? '\r' : '') + chunk.toString('latin1');
      pendingCR = text.endsWith('\r');
      if (pendingCR) text = text.slice(0, -1);
      done(null, Buffer.from(text.replace(/\r\n?/g, '\n'), 'latin1'));
    },
    flush(done) {
      done(null, pendingCR ? Buffer.from('\n') : undefined);
    },
  });
  await pipeline(createReadStream(source, { highWaterMark: 1 << 20 }), toLf, createWriteStream(target));
}

/** The file with the bytes from `from` up to `to` (exclusive) replaced by `insert` (nothing by default). */
export async function copyWithout(source: string, target: string, from: number, to: number, insert = ''): Promise<void> {
  const out = createWriteStream(target);
  const write = async (chunk: Buffer) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    if (from > 0) for await (const chunk of createReadStream(source, { start: 0, end: from - 1 })) await write(chunk as Buffer);
    if (insert) await write(Buffer.from(insert));
    for await (const chunk of createReadStream(source, { start: to })) await write(chunk as Buffer);
  } finally {
    out.end();
    await once(out, 'close');
  }
}

/**
 * The file with the bytes of each range (from, to exclusive; in order, not overlapping) taken out
 * but for their line breaks: the lines stay, blank, so line numbers do not move. One pass.
 */
export async function blankRanges(source: string, target: string, ranges: [number, number][]): Promise<void> {
  let r = 0; // the first range not yet passed
  let base = 0; // file offset of the chunk
  const onlyBreaks = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/[^\r\n]+/g, ''), 'latin1');
  const blank = new Transform({
    transform(chunk: Buffer, _enc, done) {
      const parts: Buffer[] = [];
      const end = base + chunk.length;
      let at = base; // file offset copied up to
      while (r < ranges.length && ranges[r]![0] < end) {
        const [from, to] = ranges[r]!;
        if (from > at) parts.push(chunk.subarray(at - base, from - base));
        const cutFrom = Math.max(from, at);
        const cutTo = Math.min(to, end);
        if (cutTo > cutFrom) parts.push(onlyBreaks(chunk.subarray(cutFrom - base, cutTo - base)));
        at = Math.max(at, cutTo);
        if (to <= end) r += 1;
        else break; // the range goes on in the next chunk
      }
      if (at < end) parts.push(chunk.subarray(at - base));
      base = end;
      done(null, Buffer.concat(parts));
    },
  });
  await pipeline(createReadStream(source, { highWaterMark: 1 << 20 }), blank, createWriteStream(target));
}
