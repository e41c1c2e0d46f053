/**
 * Time for the sample: naive local time as integer minutes since 1970-01-01 00:00, the months of
 * the export period, and the timestamp spellings the exports use.
 * Owns dates, months and timestamp text. Imports only ./random.ts.
 */
import type { Rng } from './random.ts';

export const MIN_PER_DAY = 1440;

export function dayOf(y: number, m: number, d: number): number {
  return Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
}

export function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

const ZEROS = '0000000000';
export function padN(n: number, width: number): string {
  const s = String(n);
  if (s.length < width && width <= ZEROS.length) return ZEROS.slice(0, width - s.length) + s;
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

interface DayInfo {
  iso: string; // 2026-03-05
  slash: string; // 2026/3/5
  monthKey: string; // 2026-03
  monthIdx: number; // months since the first month
  dow: number; // 0 = Sunday
}

// every minute of the day spelled once, so that formatting millions of timestamps only concatenates
const HHMM: string[] = [];
const H_MM: string[] = [];
for (let m = 0; m < MIN_PER_DAY; m++) {
  const h = Math.floor(m / 60);
  HHMM.push(pad2(h) + ':' + pad2(m % 60));
  H_MM.push(h + ':' + pad2(m % 60));
}

export type TsStyle = 'std' | 'iso' | 'nosec' | 'slash';

export class Calendar {
  private readonly cache = new Map<number, DayInfo>();
  private readonly firstY: number;
  private readonly firstM: number;
  constructor(firstY: number, firstM: number) {
    this.firstY = firstY;
    this.firstM = firstM;
  }
  day(day: number): DayInfo {
    let info = this.cache.get(day);
    if (info === undefined) {
      const dt = new Date(day * 86_400_000);
      const y = dt.getUTCFullYear();
      const m = dt.getUTCMonth() + 1;
      const d = dt.getUTCDate();
      info = {
        iso: `${y}-${pad2(m)}-${pad2(d)}`,
        slash: `${y}/${m}/${d}`,
        monthKey: `${y}-${pad2(m)}`,
        monthIdx: (y - this.firstY) * 12 + (m - this.firstM),
        dow: dt.getUTCDay(),
      };
      this.cache.set(day, info);
    }
    return info;
  }
  of(min: number): DayInfo {
    return this.day(Math.floor(min / MIN_PER_DAY));
  }
  /** a timestamp as the exports spell it; negative minutes (no such time) give a blank cell */
  fmt(min: number, style: TsStyle): string {
    if (min < 0) return '';
    const day = Math.floor(min / MIN_PER_DAY);
    const mod = min - day * MIN_PER_DAY;
    const info = this.day(day);
    switch (style) {
      case 'std':
        return info.iso + ' ' + HHMM[mod] + ':00';
      case 'iso':
        return info.iso + 'T' + HHMM[mod] + ':00';
      case 'nosec':
        return info.iso + ' ' + HHMM[mod];
      case 'slash':
        return info.slash + ' ' + H_MM[mod];
    }
  }
  /** month `idx` (relative to the first month) as [year, month] */
  ym(idx: number): [number, number] {
    const z = this.firstY * 12 + (this.firstM - 1) + idx;
    return [Math.floor(z / 12), (z % 12) + 1];
  }
  monthKey(idx: number): string {
    const [y, m] = this.ym(idx);
    return `${y}-${pad2(m)}`;
  }
  /** month `idx` as it appears inside record ids: 202603 */
  compactMonthKey(idx: number): string {
    return this.monthKey(idx).replace('-', '');
  }
  monthStartDay(idx: number): number {
    const [y, m] = this.ym(idx);
    return dayOf(y, m, 1);
  }
}

/** the timestamp spelling of one row: a file with variants now and then writes ISO or drops the seconds */
export function rowTimestampStyle(spellingRng: Rng, variants: boolean): TsStyle {
  if (!variants) return 'std';
  const r = spellingRng.next();
  return r < 0.003 ? 'iso' : r < 0.006 ? 'nosec' : 'std';
}

/** move a call-centre time forward into 08:30-21:00 */
export function intoCallCentreHours(rng: Rng, t: number): number {
  const tod = t % MIN_PER_DAY;
  if (tod < 510) return t + (510 - tod) + rng.int(0, 90);
  if (tod > 1260) return t + (MIN_PER_DAY - tod) + 510 + rng.int(0, 90);
  return t;
}
