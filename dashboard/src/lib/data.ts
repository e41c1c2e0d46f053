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

/** The families of which an outlet's account reads its own copy, by_outlet/<outlet>/<family>/… */
const OUTLET_OWN = new Set(['technicians', 'penalties', 'penalty_lines', 'outlet_penalties', 'settlement', 'settlement_lines']);

/**
 * The file an account reads for a path of the run folder: an outlet's account reads its own files
 * instead of the network-wide ones, and the ranking (composite and ranks only) for the outlets'
 * KPIs (dashboard/DATA.md, "Who reads which file"). Other accounts read the path as it is.
 */
export function scopedPath(access: Access | null | undefined, path: string): string {
  if (access?.role !== 'outlet' || !access.outlet_folder) return path;
  const own = `by_outlet/${urlSegment(access.outlet_folder)}`;
  const family = path.split('/')[0]!;
  if (family === 'outlets') return `ranking/${path.slice('outlets/'.length)}`;
  if (family === 'technician_history') return `${own}/technician_history.json`;
  return OUTLET_OWN.has(family) ? `${own}/${path}` : path;
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
  const match = /^data\/runs\/[^/]+\/(.*)$/.exec(url);
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

  /** The text of a file, fetched once. Rejects with a DataError. */
  text(url: string, init?: RequestInit): Promise<string> {
    let pending = this.texts.get(url);
    if (!pending) {
      pending = this.fetchText(url, init);
      this.texts.set(url, pending);
      // a failed fetch may succeed later (a run being published): do not keep the failure
      pending.catch(() => this.texts.delete(url));
    }
    return pending;
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
