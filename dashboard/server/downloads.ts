// The downloads (CSV and XLSX of HR's penalty statements, HR's settlement and each outlet's own
// statement), HR's statement lines of a month and the JSON files of each outlet's own folder keep
// their URLs under /data/ but are not files: the publish writes their rows, and they are rendered
// here when asked for, by the publish's own renderers (pipeline/publish/downloads.ts,
// statements.ts and outlet-rows.ts: the only parts of the pipeline the server loads), on an
// in-memory DuckDB of their own that reads the rows files of the run folder and never the database.
// Who may have a file is decided before this, from its path, like for every file
// (access-rules.ts); an outlet folder's file is rendered from that outlet's rows only. A run folder
// of an older format has its outlets' JSON files and the lines' pages as files: those are sent as
// such.
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { downloadPlan, renderDownload } from '../../pipeline/publish/downloads.ts';
import { hasOutletRows, outletFilePlan, renderOutletFile } from '../../pipeline/publish/outlet-rows.ts';
import { linesPageMonth, renderLinesPage } from '../../pipeline/publish/statements.ts';
import { outletFolderName } from './access-rules.ts';

const RUN_PATH = /^runs\/([0-9A-Za-z][0-9A-Za-z_-]*)\/(.+)$/;

/**
 * Renders at once; the others wait their turn. HR's month of penalty statements at ten million
 * tickets holds about 1 GB of the process while it renders: a few at once must not take the
 * server down.
 */
const RENDERS_AT_ONCE = 2;

/** An outlet's JSON file is one small query (milliseconds): a page asks for several at once. */
const OUTLET_FILES_AT_ONCE = 4;

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
  /** The download or outlet file at this path of the data folder (decoded, runs/<id>/…); null: none of those; 'missing': no such file. */
  render(pathInData: string): Promise<Buffer | 'missing' | null>;
  close(): void;
}

/** A renderer over the data folder: its database is made on the first download and kept. */
export function downloadRenderer(dataDir: string, rendersAtOnce = RENDERS_AT_ONCE): DownloadRenderer {
  let instance: Promise<DuckDBInstance> | null = null;
  const inTurn = limiter(rendersAtOnce);
  const outletFileInTurn = limiter(OUTLET_FILES_AT_ONCE);
  const open = () =>
    (instance ??= DuckDBInstance.create(':memory:', {
      // a download is one small query: it needs no more, and the server is not the pipeline
      threads: '2',
      memory_limit: '512MB',
    }));
  return {
    async render(pathInData) {
      const inRun = RUN_PATH.exec(pathInData);
      if (inRun === null) return null;
      const runDir = join(dataDir, 'runs', inRun[1]!);
      const outletFile = outletFilePlan(inRun[2]!);
      if (outletFile !== null) {
        if (!hasOutletRows(runDir)) return null;
        return outletFileInTurn(async () => (await renderOutletFile(await open(), runDir, outletFile, outletFolderName)) ?? 'missing');
      }
      // HR's statement lines of a month: made when the run folder has their input, else its file
      const linesMonth = linesPageMonth(inRun[2]!);
      if (linesMonth !== null) return inTurn(async () => renderLinesPage(await open(), runDir, linesMonth));
      const plan = downloadPlan(inRun[2]!);
      if (plan === null) return null;
      return inTurn(async () => (await renderDownload(await open(), runDir, plan, outletFolderName)) ?? 'missing');
    },
    close() {
      void instance?.then((db) => db.closeSync());
      instance = null;
    },
  };
}
