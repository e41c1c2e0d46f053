// A download of a published run folder as the server renders it (pipeline/publish/downloads.ts):
// the tests read HR's and the outlets' CSV and XLSX through the same renderer as a browser does.
import { DuckDBInstance } from '@duckdb/node-api';
import { outletFolderName } from '../pipeline/publish/outlet-files.ts';
import { downloadPlan, renderDownload } from '../pipeline/publish/downloads.ts';

let instance: Promise<DuckDBInstance> | null = null;

/** The bytes of a download (penalties/2026-03.csv, by_outlet/W1/settlement/2026-03.en.xlsx …) of a run folder, or null when it has none. */
export async function renderedOrNull(runDir: string, pathInRun: string, rowsAtATime?: number): Promise<Buffer | null> {
  const plan = downloadPlan(pathInRun);
  if (plan === null) throw new Error(`${pathInRun} is not a download`);
  return renderDownload(await (instance ??= DuckDBInstance.create(':memory:', { threads: '1' })), runDir, plan, outletFolderName, rowsAtATime);
}

/** The bytes of a download of a run folder (its text built rowsAtATime rows at a time); fails when the run folder has none. */
export async function rendered(runDir: string, pathInRun: string, rowsAtATime?: number): Promise<Buffer> {
  const body = await renderedOrNull(runDir, pathInRun, rowsAtATime);
  if (body === null) throw new Error(`no download ${pathInRun} in ${runDir}`);
  return body;
}
