// The files of the input folder, and which export kind each one is (by its name; kinds.ts).
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { KINDS, kindOfFile, type KindDef } from './kinds.ts';
import { FatalLoadError } from './outcome.ts';

/** A file of the input folder: its kind, or why it is not loaded. */
export interface InputFile {
  path: string;
  name: string;
  kind?: KindDef;
  skip?: string;
}

/** Every file of the folder, in a fixed order: by kind (as listed in the spec), then by name. */
export function listInputs(inputDir: string): InputFile[] {
  let names: string[];
  try {
    names = readdirSync(inputDir);
  } catch (e) {
    throw new FatalLoadError(`input folder ${inputDir} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const entries = names.filter((name) => !name.startsWith('.')).map((name) => inputFile(inputDir, name));
  const order = (k?: KindDef) => (k ? KINDS.indexOf(k) : KINDS.length);
  return entries.sort((a, b) => order(a.kind) - order(b.kind) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function inputFile(inputDir: string, name: string): InputFile {
  const path = join(inputDir, name);
  if (!statSync(path).isFile()) return { path, name, skip: 'not a file' };
  const ext = extname(name).toLowerCase();
  if (name.startsWith('~$')) return { path, name, skip: 'an Excel lock file, not an export' };
  if (ext !== '.csv' && ext !== '.xlsx') return { path, name, skip: `extension ${ext || '(none)'} is not .csv or .xlsx` };
  const kind = kindOfFile(name);
  if (!kind) return { path, name, skip: 'the name matches no export kind (tickets/工单, revisits/回访, complaints/投诉, violations/违规, technicians/工程师, outlets/网点)' };
  return { path, name, kind };
}
