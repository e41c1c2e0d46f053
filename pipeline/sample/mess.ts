/**
 * The plan of deliberately bad rows: which month and which position in it each one takes, and the
 * bad values written. Fixed positions, not chance, so that the summary can list them exactly.
 * Each kind's file applies its own entries (tickets.ts, revisits.ts, complaints.ts).
 * Owns the plan. Imports nothing.
 */

export const BAD_TS = '2026-13-45 25:00';
export const BAD_TS_2 = '2026-06-15 26:30';
export const BAD_ENUM = '拆机';

export type TicketMessKind = 'bad_created' | 'bad_updated' | 'enum' | 'short' | 'dup';
export interface TicketMess {
  month: number;
  pos: number; // first eligible position, as a fraction of the month's tickets
  kind: TicketMessKind;
  gap: number; // duplicates: rows after the original
  done: boolean;
}

export interface RevisitMess {
  month: number;
  fromRow: number;
  kind: 'bad_ts' | 'missing';
  done: boolean;
}

export interface MessPlan {
  tickets: TicketMess[];
  revisits: RevisitMess[];
  complaint: { month: number; done: boolean };
}

/** `gbkIdx`: the GBK month (-1: none); one unknown service type goes there, to be read through the GBK decoder */
export function planMess(mess: boolean, months: number, gbkIdx: number): MessPlan {
  const mIdx = (frac: number): number => Math.min(months - 1, Math.floor(frac * months));
  const tickets: TicketMess[] = mess
    ? [
        { month: Math.min(months - 1, 1), pos: 0.06, kind: 'bad_created', gap: 0, done: false },
        { month: mIdx(0.6), pos: 0.15, kind: 'bad_updated', gap: 0, done: false },
        { month: gbkIdx >= 0 ? gbkIdx : mIdx(0.35), pos: 0.1, kind: 'enum', gap: 0, done: false },
        { month: mIdx(0.8), pos: 0.075, kind: 'enum', gap: 0, done: false },
        { month: mIdx(0.45), pos: 0.125, kind: 'short', gap: 0, done: false },
        { month: mIdx(0.2), pos: 0.2, kind: 'dup', gap: 60, done: false },
        { month: mIdx(0.55), pos: 0.04, kind: 'dup', gap: 1, done: false },
        { month: mIdx(0.9), pos: 0.45, kind: 'dup', gap: 600, done: false },
      ]
    : [];
  const revisits: RevisitMess[] = mess
    ? [
        { month: mIdx(0.3), fromRow: 100, kind: 'bad_ts', done: false },
        { month: mIdx(0.7), fromRow: 200, kind: 'missing', done: false },
      ]
    : [];
  return { tickets, revisits, complaint: { month: mIdx(0.7), done: !mess } };
}
