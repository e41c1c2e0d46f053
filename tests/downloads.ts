// A download of a published run folder as the server renders it (pipeline/publish/downloads.ts):
// the tests read HR's and the outlets' CSV and XLSX through the same renderer as a browser does.
import { DuckDBInstance } from '@duckdb/node-api';
import { outletFolderName } from '../pipeline/publish/outlet-files.ts';
import { downloadPlan, prepareRenderer, renderDownload } from '../pipeline/publish/downloads.ts';

let instance: Promise<DuckDBInstance> | null = null;

/** The bytes of a download (penalties/2026-03.csv, by_outlet/W1/settlement/2026-03.en.xlsx …) of a run folder, or null when it has none. */
export async function renderedOrNull(runDir: string, pathInRun: string, rowsAtATime?: number): Promise<Buffer | null> {
  const plan = downloadPlan(pathInRun);
  if (plan === null) throw new Error(`${pathInRun} is not a download`);
  const connection = await (await (instance ??= DuckDBInstance.create(':memory:', { threads: '1' }))).connect();
  try {
    await prepareRenderer(connection);
    return await renderDownload(connection, runDir, plan, (folder, ids) => ids.find((id) => outletFolderName(id) === folder), rowsAtATime);
  } finally {
    connection.closeSync();
  }
}

/** The bytes of a download of a run folder (its text built rowsAtATime rows at a time); fails when the run folder has none. */
export async function rendered(runDir: string, pathInRun: string, rowsAtATime?: number): Promise<Buffer> {
  const body = await renderedOrNull(runDir, pathInRun, rowsAtATime);
  if (body === null) throw new Error(`no download ${pathInRun} in ${runDir}`);
  return body;
}
