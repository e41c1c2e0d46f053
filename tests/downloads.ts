// A download, HR's statement lines of a month or an outlet's JSON file of a published run folder as
// the server renders it (pipeline/publish/downloads.ts, statements.ts, outlet-rows.ts): the tests
// read HR's and the outlets' CSV and XLSX, the lines' pages and the files of the outlets' folders
// through the same renderers as a browser does.
import { DuckDBInstance } from '@duckdb/node-api';
import { outletFolderName } from '../pipeline/publish/outlet-files.ts';
import { downloadPlan, renderDownload } from '../pipeline/publish/downloads.ts';
import { outletFilePlan, outletFolders, renderOutletFile } from '../pipeline/publish/outlet-rows.ts';
import { renderLinesPage } from '../pipeline/publish/statements.ts';

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

/** Every file of the outlets' folders a run folder serves (by_outlet/<folder>/<file>.json, rendered on request), from its outlet rows. */
export async function outletFilesOf(runDir: string): Promise<string[]> {
  const connection = await (await (instance ??= DuckDBInstance.create(':memory:', { threads: '1' }))).connect();
  try {
    return (await outletFolders(connection, runDir)).flatMap(({ outletId, files }) => files.map((file) => `by_outlet/${outletFolderName(outletId)}/${file}`));
  } finally {
    connection.closeSync();
  }
}

/** The bytes of an outlet's file of a run folder (by_outlet/W1/technicians.json …) as the server renders it, or null when it has none. */
export async function renderedOutletFileOrNull(runDir: string, pathInRun: string): Promise<Buffer | null> {
  const plan = outletFilePlan(pathInRun);
  if (plan === null) throw new Error(`${pathInRun} is not an outlet's file`);
  return renderOutletFile(await (instance ??= DuckDBInstance.create(':memory:', { threads: '1' })), runDir, plan, outletFolderName);
}

/** The rows of an outlet's file (technicians.json …) of a run folder, by the outlet's id; fails when the run folder has none. */
export async function outletRows<T = Record<string, unknown>>(runDir: string, outletId: string, file: string): Promise<T[]> {
  const body = await renderedOutletFileOrNull(runDir, `by_outlet/${outletFolderName(outletId)}/${file}`);
  if (body === null) throw new Error(`no ${file} of outlet ${outletId} in ${runDir}`);
  return JSON.parse(body.toString('utf8')) as T[];
}

/** HR's statement lines of a month of a run folder (penalty_lines/<month>.json) as the server makes them, or null when it has none. */
export async function renderedLinesPage(runDir: string, month: string): Promise<Buffer | null> {
  return renderLinesPage(await (instance ??= DuckDBInstance.create(':memory:', { threads: '1' })), runDir, month);
}

/** The rows of HR's statement lines of a month of a run folder; fails when the run folder has none. */
export async function linesPageRows<T = Record<string, unknown>>(runDir: string, month: string): Promise<T[]> {
  const body = await renderedLinesPage(runDir, month);
  if (body === null) throw new Error(`no penalty_lines/${month}.json in ${runDir}`);
  return JSON.parse(body.toString('utf8')) as T[];
}
