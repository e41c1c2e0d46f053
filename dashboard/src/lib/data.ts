// The published files: where they are and how they are read. Each file is fetched once per page;
// tables and charts share the same text.

export interface Manifest {
  run_id: string;
  published_at: string;
  folder: string;
  months: string[];
  latest_month: string | null;
  /** the signed-in account (GET api/session): which files stand for the network-wide ones */
  access?: Access | null;
}

/** The signed-in account as the server tells it; the server decides what it may read. */
export interface Access {
  name: string;
  role: 'hr' | 'manager' | 'outlet';
  outlet_id: string | null;
  /** the outlet's folder name under by_outlet/ (dashboard/DATA.md) */
  outlet_folder: string | null;
  /** the pages the account may open */
  pages: string[];
}

/** A data file that could not be fetched or read; `file` is its path inside the run folder. */
export class DataError extends Error {
  constructor(
    readonly file: string,
    readonly status: number | null,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'DataError';
  }
}

export const DATA_ROOT = 'data/';
export const MANIFEST_URL = `${DATA_ROOT}manifest.json`;
export const SESSION_URL = 'api/session';
export const SIGN_IN_URL = 'sign-in.html';

/**
 * The month files of which an outlet's account reads its own file, by_outlet/<outlet>/<family>.json
 * (every month in one file), and the column that says the month of a row.
 */
const OUTLET_OWN: Record<string, string> = {
  technicians: 'month',
  penalties: 'month',
  penalty_lines: 'month',
  outlet_penalties: 'month',
  settlement: 'month',
  adjustments: 'month',
  settlement_adjustments: 'month',
};

/**
 * The file an account reads for a path of the run folder (dashboard/DATA.md, "Who reads which
 * file"). An outlet's account reads its own file for a network-wide month file, with a fragment
 * `#<column>=<month>` that keeps the month's rows (DataStore.text), its own technicians' file for a
 * technician history, its own outlet history for the outlets' history (another outlet's rows are
 * not in it), and the ranking (composite and ranks only) for the outlets' KPIs. Other
 * accounts, and the downloads, read the path as it is.
 */
export function scopedPath(access: Access | null | undefined, path: string): string {
  if (access?.role !== 'outlet' || !access.outlet_folder) return path;
  const own = `by_outlet/${urlSegment(access.outlet_folder)}`;
  const [family, file] = path.split('/') as [string, string | undefined];
  if (family === 'outlets') return `ranking/${file}`;
  if (family === 'technician_history') return `${own}/technicians.json`;
  if (path === 'outlet_history.json') return `${own}/outlet_history.json`;
  const month = /^(\d{4}-\d{2})\.json$/.exec(file ?? '')?.[1];
  const column = OUTLET_OWN[family];
  if (column !== undefined && month !== undefined) return `${own}/${family}.json#${column}=${month}`;
  // an outlet's own downloads: its settlement statements
  return family === 'settlement' && file !== undefined ? `${own}/${path}` : path;
}

/** The rows of a JSON array file's text whose column holds the value (a fragment `column=value`). */
export function keepRows(text: string, fragment: string): string {
  const [column, value] = fragment.split('=') as [string, string | undefined];
  const rows = JSON.parse(text) as Record<string, unknown>[];
  return JSON.stringify(rows.filter((row) => String(row[column]) === value));
}

/**
 * The file name the publish step gives an id: as it is when it is made of [A-Za-z0-9_.-],
 * percent-encoded otherwise.
 */
export function idFileName(id: string): string {
  return /^[A-Za-z0-9_-]+$/.test(id) ? id : encodeURIComponent(id).replaceAll('.', '%2E');
}

/** Technician histories are published in this many files (dashboard/DATA.md). */
export const HISTORY_SHARDS = 32;

/**
 * The history file of a technician, `technician_history/<shard>.json`: FNV-1a (32-bit) of the
 * id's UTF-8 bytes, modulo the shard count, as two digits, as the publish step computes it.
 */
export function historyShard(technicianId: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(technicianId)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return String(hash % HISTORY_SHARDS).padStart(2, '0');
}

/** A file name as one URL path segment (a percent-encoded name has its "%" encoded again). */
export function urlSegment(fileName: string): string {
  return encodeURIComponent(fileName);
}

/**
 * A path inside the run folder from a template such as `technician_history/{technician_id}.json`,
 * with each `{name}` replaced by the id's file name, URL-encoded.
 */
export function fillPath(template: string, vars: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = vars[name];
    return value === undefined ? whole : urlSegment(idFileName(value));
  });
}

/** The URL of a file of the current run, as the signed-in account reads it. */
export function runUrl(manifest: Pick<Manifest, 'folder'> & Pick<Partial<Manifest>, 'access'>, path: string): string {
  const folder = manifest.folder.replace(/^\/+|\/+$/g, '');
  return `${DATA_ROOT}${folder}/${scopedPath(manifest.access, path)}`;
}

/** The path inside the run folder of a run URL, for messages. */
export function fileOfUrl(url: string): string {
  const match = /^data\/runs\/[^/]+\/([^#]*)/.exec(url);
  return decodeURIComponent(match ? match[1]! : url.replace(/^data\//, ''));
}

export function isManifest(value: unknown): value is Manifest {
  if (value === null || typeof value !== 'object') return false;
  const m = value as Record<string, unknown>;
  return typeof m.folder === 'string' && Array.isArray(m.months) && m.months.every((x) => typeof x === 'string');
}

export type Fetcher = (url: string, init?: RequestInit) => Promise<Response>;

export class DataStore {
  private readonly texts = new Map<string, Promise<string>>();

  constructor(private readonly fetcher: Fetcher = (url, init) => fetch(url, init)) {}

  /**
   * The text of a file, fetched once. Rejects with a DataError. A URL with a fragment `#column=value`
   * is the rows of the file (fetched once for every fragment) whose column holds the value.
   */
  text(url: string, init?: RequestInit): Promise<string> {
    let pending = this.texts.get(url);
    if (!pending) {
      const [file, fragment] = url.split('#') as [string, string | undefined];
      pending = fragment === undefined ? this.fetchText(url, init) : this.text(file, init).then((text) => this.kept(url, text, fragment));
      this.texts.set(url, pending);
      // a failed fetch may succeed later (a run being published): do not keep the failure
      pending.catch(() => this.texts.delete(url));
    }
    return pending;
  }

  private kept(url: string, text: string, fragment: string): string {
    try {
      return keepRows(text, fragment);
    } catch (e) {
      throw new DataError(fileOfUrl(url), null, (e as Error).message);
    }
  }

  async json<T>(url: string, init?: RequestInit): Promise<T> {
    const text = await this.text(url, init);
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new DataError(fileOfUrl(url), null, (e as Error).message);
    }
  }

  async manifest(): Promise<Manifest | null> {
    let value: unknown;
    try {
      value = await this.json<unknown>(MANIFEST_URL, { cache: 'no-store' });
    } catch (e) {
      if (e instanceof DataError && e.status === 404) return null;
      throw e;
    }
    if (!isManifest(value)) throw new DataError('manifest.json', null, 'not a manifest');
    const months = [...value.months].sort();
    return { ...value, months, latest_month: value.latest_month ?? months.at(-1) ?? null };
  }

  /** The signed-in account, or null when nobody is signed in (the session ended). */
  async access(): Promise<Access | null> {
    try {
      return await this.json<Access>(SESSION_URL, { cache: 'no-store' });
    } catch (e) {
      if (e instanceof DataError && e.status === 401) return null;
      throw e;
    }
  }

  private async fetchText(url: string, init?: RequestInit): Promise<string> {
    let response: Response;
    try {
      response = await this.fetcher(url, init);
    } catch (e) {
      throw new DataError(fileOfUrl(url), null, (e as Error).message);
    }
    if (!response.ok) throw new DataError(fileOfUrl(url), response.status, `HTTP ${response.status}`);
    return response.text();
  }
}
