// The downloads (CSV and XLSX of HR's penalty statements, HR's settlement and each outlet's own
// statement) keep their URLs under /data/ but are not files: the publish writes their rows, and they
// are rendered here when asked for, by the publish's own renderer (pipeline/publish/downloads.ts:
// the only part of the pipeline the server loads), on an in-memory DuckDB of their own that reads
// the rows files of the run folder and never the database. Who may have a download is decided
// before this, from its path, like for every file (access-rules.ts); an outlet folder's download is
// rendered from that outlet's rows only.
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { downloadPlan, renderDownload } from '../../pipeline/publish/downloads.ts';
import { outletFolderName } from './access-rules.ts';

const RUN_PATH = /^runs\/([0-9A-Za-z][0-9A-Za-z_-]*)\/(.+)$/;

/**
 * Renders at once; the others wait their turn. HR's month of penalty statements at ten million
 * tickets holds about 1 GB of the process while it renders: a few at once must not take the
 * server down.
 */
const RENDERS_AT_ONCE = 2;

/** Runs work at most `limit` at a time, the others in the order they came. */
export function limiter(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export interface DownloadRenderer {
  /** The download at this path of the data folder (decoded, runs/<id>/…); null: not a download; 'missing': no such download. */
  render(pathInData: string): Promise<Buffer | 'missing' | null>;
  close(): void;
}

/** A renderer over the data folder: its database is made on the first download and kept. */
export function downloadRenderer(dataDir: string, rendersAtOnce = RENDERS_AT_ONCE): DownloadRenderer {
  let instance: Promise<DuckDBInstance> | null = null;
  const inTurn = limiter(rendersAtOnce);
  const open = () =>
    (instance ??= DuckDBInstance.create(':memory:', {
      // a download is one small query: it needs no more, and the server is not the pipeline
      threads: '2',
      memory_limit: '512MB',
    }));
  return {
    async render(pathInData) {
      const inRun = RUN_PATH.exec(pathInData);
      const plan = inRun ? downloadPlan(inRun[2]!) : null;
      if (plan === null || inRun === null) return null;
      return inTurn(async () => (await renderDownload(await open(), join(dataDir, 'runs', inRun[1]!), plan, outletFolderName)) ?? 'missing');
    },
    close() {
      void instance?.then((db) => db.closeSync());
      instance = null;
    },
  };
}
