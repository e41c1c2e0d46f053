// Listening on HOST:PORT, with a failure a person can act on: a port another program holds, an
// address this machine does not have, a port below 1024 without the right to it. Each becomes a
// ListenError whose message is one line; the start commands print it after `error:` and exit 1.
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { urlOf } from './options.ts';

export class ListenError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly port: number,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

/** The line for a port in use, naming the command to run again (`npm start`, …). */
export function portInUseMessage(port: number, command: string): string {
  const other = port === 65535 ? port - 1 : port + 1;
  return `port ${port} is in use; set PORT to another port, e.g. PORT=${other} ${command}`;
}

function explain(e: NodeJS.ErrnoException, host: string, port: number, command: string): ListenError | null {
  switch (e.code) {
    case 'EADDRINUSE':
      return new ListenError(portInUseMessage(port, command), e.code, port);
    case 'EACCES':
      return new ListenError(`port ${port} needs privileges this user does not have; set PORT to 1024 or above, e.g. PORT=3000 ${command}`, e.code, port);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ListenError(`cannot listen on ${urlOf(host, port)}: this machine has no such address; set HOST, e.g. HOST=127.0.0.1 ${command}`, e.code, port);
    default:
      return null;
  }
}

/**
 * Listens, or closes the server and throws a ListenError (anything unforeseen as it came).
 * `command` is what the operator runs, for the message.
 */
export async function listenOrExplain(app: FastifyInstance, host: string, port: number, command: string): Promise<void> {
  try {
    await app.listen({ host, port });
  } catch (e) {
    const known = explain(e as NodeJS.ErrnoException, host, port, command);
    await app.close().catch(() => undefined);
    throw known ?? e;
  }
}

/**
 * Throws the ListenError listening would give, without serving: for a start that has slow work to
 * do first (npm start publishing the sample), so that a busy port is told before, not after it.
 */
export async function checkListen(host: string, port: number, command: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (e: NodeJS.ErrnoException) => reject(explain(e, host, port, command) ?? e));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
