// The files of the input folder, and which export kind each one is: by its name (kinds.ts), else
// by its header (recognise.ts); the others are skipped with the reason, and a folder in which no
// file is an export stops the run with each file and why.
import { mkdtempSync, readdirSync, rmSync, statSync, type Stats } from 'node:fs';
import { extname, join } from 'node:path';
import { KINDS, kindOfFile, type KindDef } from './kinds.ts';
import { FatalLoadError } from './outcome.ts';
import { XLS_MESSAGE, kindFromHeader } from './recognise.ts';

/** A file of the input folder: its kind, or why it is not loaded. */
export interface InputFile {
  path: string;
  name: string;
  kind?: KindDef;
  /** how the kind was told: by the name, or by the header when the name does not tell it */
  by?: 'name' | 'header';
  skip?: string;
}

/**
 * Every file of the folder, in a fixed order: by kind (as listed in the spec), then by name. The
 * header of a file whose name tells no kind is read in workDir.
 */
export async function listInputs(inputDir: string, workDir: string): Promise<InputFile[]> {
  let names: string[];
  try {
    names = readdirSync(inputDir);
  } catch (e) {
    throw new FatalLoadError(`input folder ${inputDir} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const probes = mkdtempSync(join(workDir, 'inputs-'));
  const entries: InputFile[] = [];
  try {
    for (const name of names.filter((n) => !n.startsWith('.'))) entries.push(await inputFile(inputDir, name, probes));
  } finally {
    rmSync(probes, { recursive: true, force: true });
  }
  const order = (k?: KindDef) => (k ? KINDS.indexOf(k) : KINDS.length);
  return entries.sort((a, b) => order(a.kind) - order(b.kind) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function inputFile(inputDir: string, name: string, workDir: string): Promise<InputFile> {
  const path = join(inputDir, name);
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (e) {
    // a link to nothing, a file removed meanwhile
    return { path, name, skip: `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  if (!stats.isFile()) return { path, name, skip: 'not a file' };
  const ext = extname(name).toLowerCase();
  if (name.startsWith('~$')) return { path, name, skip: 'an Excel lock file, not an export' };
  if (ext === '.xls') return { path, name, skip: XLS_MESSAGE };
  if (ext !== '.csv' && ext !== '.xlsx') return { path, name, skip: `extension ${ext || '(none)'} is not .csv or .xlsx` };
  const byName = kindOfFile(name);
  if (byName) return { path, name, kind: byName, by: 'name' };
  const byHeader = await kindFromHeader(path, name, workDir);
  if (byHeader.kind) return { path, name, kind: byHeader.kind, by: 'header' };
  return { path, name, skip: `the name matches no export kind, and ${byHeader.reason}` };
}

/** The names an export may have, as a person reads them. */
export function acceptedNames(): string {
  const prefixes = KINDS.map((k) => `${k.prefixes[0]}…/${k.prefixes.find((p) => /[^\x00-\x7f]/.test(p)) ?? k.prefixes[1]}…`);
  return `an export's name starts with its kind: ${prefixes.join(', ')} (case does not matter), or its header has the kind's columns; its extension is .csv or .xlsx`;
}

/** Why a run in which no file is an export stops: each file and why it was skipped, and the names accepted. */
export function noExportError(inputDir: string, entries: InputFile[]): FatalLoadError {
  const files = entries.map((e) => `\n  ${e.name}: ${e.skip ?? 'not an export'}`).join('');
  const what = entries.length === 0 ? 'it holds no files' : `${entries.length} ${entries.length === 1 ? 'file' : 'files'} skipped:${files}`;
  return new FatalLoadError(`no export recognised in ${inputDir}: ${what}\n${acceptedNames()}`);
}
