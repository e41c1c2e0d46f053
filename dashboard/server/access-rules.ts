// Who may read what (spec §7), decided on the request path alone, before any file is looked at:
// an allow-list per role over every page, API route and published file family. A path that no
// rule lists is refused to everyone (404, whoever asks); a listed path the caller's role may not
// read is refused as 403 (401 when nobody is signed in), the same whether the file exists or not.
//
//   hr       everything, the audit page (closes, adjustments, appeals) too
//   manager  every KPI, ranking and penalty total; no statement lines, no HR or settlement download,
//            no adjustment line
//   outlet   the network overview, the ranking (composite and ranks only), which months are
//            closed, and under by_outlet/<its folder>/ its own technicians, statements, fines,
//            settlement and adjustments
//
// The outlet folder is the outlet id as a file name, as the publish step writes it
// (pipeline/publish/outlet-files.ts: the same rule, checked equal by tests/access.test.ts).
import { createHash } from 'node:crypto';
import type { Role } from '../users/accounts.ts';

export interface Caller {
  name: string;
  role: Role;
  /** the outlet of an outlet account, else null */
  outletId: string | null;
  /** outletId as its folder name under by_outlet/, else null */
  outletFolder: string | null;
}

export type PageId = 'overview' | 'technicians' | 'outlets' | 'penalties' | 'settlement' | 'quality' | 'backlog' | 'audit';

/** The pages each role may open (the page's data files are checked on their own, below). */
export const PAGE_ROLES: Record<PageId, readonly Role[]> = {
  overview: ['hr', 'manager', 'outlet'],
  technicians: ['hr', 'manager', 'outlet'],
  outlets: ['hr', 'manager', 'outlet'],
  penalties: ['hr', 'manager', 'outlet'],
  // money between HQ and an outlet: HR, and an outlet's account for its own (never a manager)
  settlement: ['hr', 'outlet'],
  quality: ['hr', 'manager'],
  backlog: ['hr', 'manager'],
  audit: ['hr'],
};

const PAGE_FILES: Record<string, PageId> = {
  '': 'overview',
  index: 'overview',
  technicians: 'technicians',
  outlets: 'outlets',
  penalties: 'penalties',
  settlement: 'settlement',
  quality: 'quality',
  backlog: 'backlog',
  audit: 'audit',
};

export const SIGN_IN_PAGE = '/sign-in.html';

export type Target =
  /** anyone, signed in or not: health, sign-in, the sign-in page and the built scripts and styles */
  | { kind: 'open' }
  /** no role: refused as not found, from the path alone */
  | { kind: 'unlisted' }
  | { kind: 'page' | 'data' | 'api'; allows: (caller: Caller) => boolean };

type Grant = (caller: Caller, folder: string | null) => boolean;

const ALL: Grant = () => true;
const STAFF: Grant = (c) => c.role === 'hr' || c.role === 'manager';
const HR: Grant = (c) => c.role === 'hr';
const own = (c: Caller, folder: string | null) => c.role === 'outlet' && folder !== null && c.outletFolder === folder;
const STAFF_OR_OWN: Grant = (c, folder) => STAFF(c, folder) || own(c, folder);
const HR_OR_OWN: Grant = (c, folder) => HR(c, folder) || own(c, folder);

const MONTH = String.raw`\d{4}-\d{2}`;
const rule = (pattern: string, grant: Grant): [RegExp, Grant] => [new RegExp(`^${pattern}$`), grant];

/** Files of a run folder (runs/<run_id>/…), by family. Settlement: written by the settlement step. */
const RUN_FILES: [RegExp, Grant][] = [
  rule(String.raw`run\.json`, ALL),
  rule(String.raw`network\.json`, ALL),
  // which months are closed, when, by whom, the hash: no amount (audit/closes.json has it)
  rule(String.raw`closes\.json`, ALL),
  rule(String.raw`ranking/${MONTH}\.json`, ALL),
  rule(String.raw`quality\.json`, STAFF),
  rule(String.raw`backlog\.json`, STAFF),
  rule(String.raw`technicians/${MONTH}\.json`, STAFF),
  rule(String.raw`technician_history/\d{2}\.json`, STAFF),
  rule(String.raw`outlets/${MONTH}\.json`, STAFF),
  rule(String.raw`outlet_history\.json`, STAFF),
  rule(String.raw`penalties/${MONTH}\.json`, STAFF),
  rule(String.raw`penalty_lines/${MONTH}\.json`, HR),
  rule(String.raw`penalties/${MONTH}(?:\.en)?\.(?:csv|xlsx)`, HR),
  rule(String.raw`outlet_penalties/${MONTH}\.json`, HR),
  rule(String.raw`settlement/${MONTH}(?:\.json|(?:\.en)?\.(?:csv|xlsx))`, HR),
  rule(String.raw`tables/[a-z_]+\.parquet`, HR),
  // the contract table settlement_lines, a file a settlement month
  rule(String.raw`tables/settlement_lines/${MONTH}\.parquet`, HR),
  // the close's audit: every close in full, the month's adjustments, the appeals (never their reason)
  rule(String.raw`audit/closes\.json`, HR),
  rule(String.raw`adjustments/${MONTH}\.json`, HR),
  rule(String.raw`settlement_adjustments/${MONTH}\.json`, HR),
  rule(String.raw`appeals/${MONTH}\.json`, HR),
];

/** Files of one outlet's folder (runs/<run_id>/by_outlet/<folder>/…): every month in one file, downloads per month. */
const OUTLET_FILES: [RegExp, Grant][] = [
  rule(String.raw`technicians\.json`, STAFF_OR_OWN),
  rule(String.raw`penalties\.json`, STAFF_OR_OWN),
  rule(String.raw`outlet_history\.json`, STAFF_OR_OWN),
  rule(String.raw`penalty_lines\.json`, HR_OR_OWN),
  rule(String.raw`outlet_penalties\.json`, HR_OR_OWN),
  rule(String.raw`settlement\.json`, HR_OR_OWN),
  rule(String.raw`settlement_lines\.json`, HR_OR_OWN),
  rule(String.raw`settlement_withheld\.json`, HR_OR_OWN),
  rule(String.raw`adjustments\.json`, HR_OR_OWN),
  rule(String.raw`settlement_adjustments\.json`, HR_OR_OWN),
  rule(String.raw`settlement/${MONTH}(?:\.en)?\.(?:csv|xlsx)`, HR_OR_OWN),
];

const RUN_ID = /^[0-9A-Za-z][0-9A-Za-z_-]*$/;

/**
 * Built files that hold no data: entry scripts and styles, hashed chunks (and the licences of what
 * they bundle), stylesheets, chart specs. The sign-in page needs some of them before anyone is in.
 */
const ASSETS = [
  /^[a-z][a-z0-9-]*\.(?:js|css)$/,
  /^(?:chunks\/)?[A-Za-z0-9_-]+\.js\.LEGAL\.txt$/,
  /^chunks\/[A-Za-z0-9_-]+\.(?:js|css)$/,
  /^styles\/[A-Za-z0-9_-]+\.(?:css|svg)$/,
  /^specs\/[A-Za-z0-9_-]+\.vl\.json$/,
];

const OPEN_ROUTES = new Set(['/healthz', '/auth/sign-in', '/auth/sign-out', SIGN_IN_PAGE, '/sign-in']);
const API_ROUTES = new Set(['/api/manifest', '/api/session']);

/**
 * An outlet id as a folder name: as it is when made of [A-Za-z0-9_-], else percent-encoded (dots
 * too, so that no name is `.` or `..`); a name too long for a file system, or of an id that cannot
 * be encoded, is `%-` and a hash of the id (`%-` never comes out of the encoding).
 */
export function outletFolderName(outletId: string): string {
  let name: string;
  try {
    name = /^[A-Za-z0-9_-]+$/.test(outletId) ? outletId : encodeURIComponent(outletId).replaceAll('.', '%2E');
  } catch {
    name = '';
  }
  if (name !== '' && name.length <= 120) return name;
  return `%-${createHash('sha256').update(outletId, 'utf8').digest('hex').slice(0, 40)}`;
}

/** The path's segments, each decoded once; null when one does not decode or would leave its folder. */
function segmentsOf(path: string): string[] | null {
  const segments: string[] = [];
  for (const raw of path.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

function dataTarget(segments: string[]): Target {
  const grant = (rules: [RegExp, Grant][], path: string, folder: string | null): Target => {
    const found = rules.find(([pattern]) => pattern.test(path));
    return found ? { kind: 'data', allows: (caller) => found[1](caller, folder) } : { kind: 'unlisted' };
  };
  if (segments.length === 1 && segments[0] === 'manifest.json') return { kind: 'data', allows: (caller) => ALL(caller, null) };
  if (segments[0] !== 'runs' || segments.length < 3 || !RUN_ID.test(segments[1]!)) return { kind: 'unlisted' };
  const inRun = segments.slice(2);
  if (inRun[0] === 'by_outlet') {
    if (inRun.length < 3 || inRun[1] === '') return { kind: 'unlisted' };
    return grant(OUTLET_FILES, inRun.slice(2).join('/'), inRun[1]!);
  }
  return grant(RUN_FILES, inRun.join('/'), null);
}

function pageTarget(path: string): Target {
  const page = PAGE_FILES[path.replace(/^\//, '').replace(/\.html$/, '')];
  if (page === undefined) return { kind: 'unlisted' };
  return { kind: 'page', allows: (caller) => PAGE_ROLES[page].includes(caller.role) };
}

/** What the request path is, and who may have it; the query is ignored. */
export function targetOf(rawUrl: string): Target {
  const path = rawUrl.split('?')[0] ?? '';
  if (OPEN_ROUTES.has(path)) return { kind: 'open' };
  if (API_ROUTES.has(path)) return { kind: 'api', allows: (caller) => ALL(caller, null) };
  const segments = segmentsOf(path);
  if (segments === null) return { kind: 'unlisted' };
  if (segments[0] === 'data') return dataTarget(segments.slice(1));
  const inDist = segments.join('/');
  if (ASSETS.some((pattern) => pattern.test(inDist))) return { kind: 'open' };
  return pageTarget(path);
}

/** The pages a caller may open, in the tab order. */
export function pagesOf(caller: Caller): PageId[] {
  return (Object.keys(PAGE_ROLES) as PageId[]).filter((page) => PAGE_ROLES[page].includes(caller.role));
}

/** A path the sign-in may send the browser back to: one of this server's, else the overview. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000 || !next.startsWith('/') || next.startsWith('//')) return '/';
  if (/[\\\s\p{C}]/u.test(next) || /%(?:2f|5c|00)/i.test(next.split('?')[0]!)) return '/';
  const segments = segmentsOf(next.split(/[?#]/)[0]!);
  return segments === null ? '/' : next;
}
