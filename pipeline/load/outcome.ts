// What the load stage reports of each file, and the error that stops a run. Imports nothing, so
// that every file of the stage can use it.

/** A problem that stops the run: the message is one line naming the file and what to fix. */
export class FatalLoadError extends Error {}

export type FileOutcome =
  | { file: string; status: 'loaded'; kind: string; batchId: number; encoding: string; rowsRead: number; rowsLoaded: number; rowsRejected: number; extraColumns: string[] }
  | { file: string; status: 'already_loaded'; kind: string; batchId: number }
  | { file: string; status: 'skipped'; reason: string };

/** A file stored by this run, with its counts. */
export type LoadedFile = Extract<FileOutcome, { status: 'loaded' }>;

export type Logger = (line: string) => void;
