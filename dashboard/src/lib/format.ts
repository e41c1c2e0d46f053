// Number, money, rank and time formats for both languages. Times stay the naive local text of the
// data: they are never turned into Date objects, so a 14:07 in an export is 14:07 here.
import { translate, type Lang } from './strings.ts';

const NONE = '—';

export function locale(lang: Lang): string {
  return lang === 'zh' ? 'zh-CN' : 'en-US';
}

const cache = new Map<string, Intl.NumberFormat>();
function numberFormat(lang: Lang, kind: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${lang}|${kind}`;
  let format = cache.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale(lang), options);
    cache.set(key, format);
  }
  return format;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A fraction as a percentage: 0.8896 → 89.0% (1 decimal unless told). */
export function percent(lang: Lang, value: unknown, digits = 1): string {
  if (!isNumber(value)) return NONE;
  return numberFormat(lang, `pct${digits}`, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

export function integer(lang: Lang, value: unknown): string {
  if (!isNumber(value)) return NONE;
  return numberFormat(lang, 'int', { maximumFractionDigits: 0 }).format(value);
}

export function decimal(lang: Lang, value: unknown, digits = 1): string {
  if (!isNumber(value)) return NONE;
  return numberFormat(lang, `dec${digits}`, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** Yuan: ¥1,234 (fen shown only when there are any). */
export function yuan(lang: Lang, value: unknown): string {
  if (!isNumber(value)) return NONE;
  const options: Intl.NumberFormatOptions = { style: 'currency', currency: 'CNY', minimumFractionDigits: 0, maximumFractionDigits: 2 };
  if (lang === 'en') options.currencyDisplay = 'narrowSymbol';
  return numberFormat(lang, 'cny', options).format(value);
}

/** Signed yuan, for an adjustment: +¥20, -¥20, ¥0. */
export function signedYuan(lang: Lang, value: unknown): string {
  if (!isNumber(value)) return NONE;
  const options: Intl.NumberFormatOptions = { style: 'currency', currency: 'CNY', minimumFractionDigits: 0, maximumFractionDigits: 2, signDisplay: 'exceptZero' };
  if (lang === 'en') options.currencyDisplay = 'narrowSymbol';
  return numberFormat(lang, 'cny-signed', options).format(value);
}

/** The month after a `YYYY-MM` text, computed on the text. */
export function nextMonth(month: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) return month;
  const m = Number(match[2]);
  return m === 12 ? `${Number(match[1]) + 1}-01` : `${match[1]}-${String(m + 1).padStart(2, '0')}`;
}

/** A composite score in [0, 1] as a number with 3 decimals. */
export function score(lang: Lang, value: unknown): string {
  if (!isNumber(value)) return NONE;
  return numberFormat(lang, 'score', { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(value);
}

export type Direction = 'up' | 'down' | 'same';

export interface Delta {
  direction: Direction;
  /** e.g. "▲ 1.2 pp", "▼ 12", "– 0" */
  text: string;
}

const ARROW: Record<Direction, string> = { up: '▲', down: '▼', same: '–' };

function direction(diff: number): Direction {
  return diff > 0 ? 'up' : diff < 0 ? 'down' : 'same';
}

/** The change of a rate in percentage points, or null when either month has no value. */
export function deltaPoints(lang: Lang, current: unknown, previous: unknown, digits = 1): Delta | null {
  if (!isNumber(current) || !isNumber(previous)) return null;
  const points = (current - previous) * 100;
  const rounded = Number(points.toFixed(digits));
  const dir = direction(rounded);
  return { direction: dir, text: `${ARROW[dir]} ${decimal(lang, Math.abs(rounded), digits)} ${translate(lang, 'common.pp')}` };
}

/** The change of a count, with the relative change when the previous count is not zero. */
export function deltaCount(lang: Lang, current: unknown, previous: unknown): Delta | null {
  if (!isNumber(current) || !isNumber(previous)) return null;
  const diff = current - previous;
  const dir = direction(diff);
  let text = `${ARROW[dir]} ${integer(lang, Math.abs(diff))}`;
  if (previous !== 0 && diff !== 0) text += ` (${percent(lang, Math.abs(diff) / previous)})`;
  return { direction: dir, text };
}

export interface RankChange {
  kind: 'up' | 'down' | 'same' | 'new' | 'none';
  symbol: string;
  /** spoken form for screen readers and tooltips */
  label: string;
}

/**
 * An outlet's move in the ranking: positive change = moved up. An outlet ranked now but not the
 * month before is new; an unranked outlet has no change.
 */
export function rankChange(lang: Lang, rank: unknown, previousRank: unknown, change?: unknown): RankChange {
  if (!isNumber(rank)) return { kind: 'none', symbol: '', label: '' };
  if (!isNumber(previousRank)) return { kind: 'new', symbol: translate(lang, 'common.new'), label: translate(lang, 'common.rank_new') };
  const diff = isNumber(change) ? change : previousRank - rank;
  if (diff > 0) return { kind: 'up', symbol: `▲ ${diff}`, label: translate(lang, 'common.rank_up', { n: diff }) };
  if (diff < 0) return { kind: 'down', symbol: `▼ ${-diff}`, label: translate(lang, 'common.rank_down', { n: -diff }) };
  return { kind: 'same', symbol: '–', label: translate(lang, 'common.rank_same') };
}

/**
 * A naive local timestamp as given, only tidied: an ISO "T" becomes a space and fractions of a
 * second are dropped. Never parsed, so never shifted by a time zone.
 */
export function naiveTime(value: unknown): string {
  if (typeof value !== 'string' || value === '') return NONE;
  return value.replace(/^(\d{4}-\d{2}-\d{2})T/, '$1 ').replace(/^(.*\d{2}:\d{2}:\d{2})\.\d+$/, '$1');
}

/** The previous month of a `YYYY-MM` text, computed on the text. */
export function previousMonth(month: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) return month;
  let year = Number(match[1]);
  let m = Number(match[2]) - 1;
  if (m === 0) {
    m = 12;
    year -= 1;
  }
  return `${year}-${String(m).padStart(2, '0')}`;
}
