// Reading a new password: one line from standard input when it is a pipe or a file (scripts), or
// typed twice on a terminal without being shown. Prompts go to standard error, so that standard
// output carries only the command's result.
import { AccountError } from './accounts.ts';

export interface Terminal {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stderr: { write(text: string): unknown };
}

/** The first line of the stream, without its line break. */
export function readLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (line: string | null) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', reject);
      stream.pause();
      if (line === null || line === '') reject(new AccountError('no password on standard input'));
      else resolve(line);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const end = text.indexOf('\n');
      if (end >= 0) done(text.slice(0, end).replace(/\r$/, ''));
    };
    const onEnd = () => done(text.replace(/\r$/, ''));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', reject);
    stream.resume();
  });
}

/** A line typed on the terminal, not echoed; Ctrl-C cancels. */
function readHidden(terminal: Terminal, prompt: string): Promise<string> {
  const { stdin } = terminal;
  terminal.stderr.write(prompt);
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      terminal.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n' || c === '\u0004') return finish(null);
        if (c === '\u0003') return finish(new AccountError('cancelled'));
        if (c === '\u007f' || c === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += c;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

export async function readPassword(terminal: Terminal): Promise<string> {
  if (!terminal.stdin.isTTY) return readLine(terminal.stdin);
  const first = await readHidden(terminal, 'new password: ');
  const second = await readHidden(terminal, 'the same again: ');
  if (first !== second) throw new AccountError('the two passwords differ');
  return first;
}
