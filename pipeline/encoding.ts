// Exports saved by Excel on Chinese Windows are GBK/GB18030. DuckDB's reader wants UTF-8, so such a
// file is transcoded once, streaming, into a temporary UTF-8 file. A byte sequence that is not
// GB18030 either stops the load: loading mojibake would put wrong ids and names into HR's figures.
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import iconv from 'iconv-lite';

export class EncodingError extends Error {}

export async function transcodeGb18030(source: string, target: string, fileLabel: string): Promise<void> {
  let consumed = 0;
  const decoder = iconv.getDecoder('gb18030');
  const toUtf8 = new Transform({
    transform(chunk: Buffer, _enc, done) {
      const text = decoder.write(chunk);
      const bad = text.indexOf('\uFFFD');
      if (bad !== -1) {
        done(new EncodingError(`${fileLabel}: neither UTF-8 nor GB18030 (undecodable bytes near byte offset ${consumed + approxByteOffset(text, bad)})`));
        return;
      }
      consumed += chunk.length;
      done(null, Buffer.from(text, 'utf8'));
    },
    flush(done) {
      const rest = decoder.end() ?? '';
      if (rest.includes('\uFFFD')) {
        done(new EncodingError(`${fileLabel}: neither UTF-8 nor GB18030 (the file ends inside a character, byte offset ${consumed})`));
        return;
      }
      done(null, rest ? Buffer.from(rest, 'utf8') : undefined);
    },
  });
  await pipeline(createReadStream(source, { highWaterMark: 1 << 20 }), toUtf8, createWriteStream(target));
}

/** GB18030 takes one byte for ASCII and two (rarely four) for the rest: good enough to point a person at the spot. */
function approxByteOffset(text: string, charIndex: number): number {
  let bytes = 0;
  for (let i = 0; i < charIndex; i++) bytes += text.charCodeAt(i) < 0x80 ? 1 : 2;
  return bytes;
}
