/**
 * How technicians behave: the rare faults that become penalty lines (a late visit, a questionnaire
 * "no" on uniform, shoe covers, the four-nots, cleaning, explanation or signature, a charge above
 * the standard), drawn per completed ticket, and each technician's record of them this year.
 *
 * A real network fines few people: most technicians go months without a line, a poor one collects
 * one most months, and training (停工培训) works, so a technician who reached it behaves for the
 * rest of the year with the odd relapse (which is what sends him to dismissal review). Charging
 * above the standard is a dismissal matter and rare: a handful a year, planned (like the mess
 * rows) at fixed places on poor technicians' tickets, so that both kinds (by fee, by the
 * revisit's answer) and the outlet fines that follow a complaint always show. The record
 * kept here is the generator's own count of the faults it planted; the pipeline counts the lines
 * itself, which differ a little (a late arrival without check-in is not judged, a questionnaire
 * fault on a ticket whose customer is never reached gives no line).
 *
 * Owns the fault rates and the technicians' records. Imports only siblings.
 */
import type { Calendar } from './calendar.ts';
import type { Tech } from './people.ts';
import { Weighted, type Rng } from './random.ts';

export const Fault = {
  None: 0,
  Late: 1,
  Image: 2,
  ShoeCovers: 3,
  FourNots: 4,
  SiteNotCleaned: 5,
  NoExplanation: 6,
  NoSignature: 7,
  ChargedOverStandard: 8,
} as const;
export type Fault = (typeof Fault)[keyof typeof Fault];

/** which fault a ticket's one fault is: lateness and paperwork lead, a four-nots breach is rare (charges: planned) */
const FAULT_PICK = new Weighted<Fault>(
  [Fault.Late, Fault.Image, Fault.ShoeCovers, Fault.FourNots, Fault.SiteNotCleaned, Fault.NoExplanation, Fault.NoSignature],
  [34, 12, 13, 5, 12, 12, 8],
);

/** per completed ticket: a careful technician, a poor one, and the designated one in his bad months */
const FAULT_RATE = { good: 0.005, poor: 0.03, designatedBurst: 0.12 } as const;
/** the designated technician's faults in each month of his streak: with the complaint-rate line, training by the month's count alone */
const DESIGNATED_FAULTS_PER_MONTH = 3;
/** overcharges per 24,000 tickets, spread evenly over the period */
const OVERCHARGES_PER_24K = 6;
/** what training leaves of a technician's fault rate for the rest of the year */
const AFTER_TRAINING = 0.06;
/** the generator's view of the escalation thresholds (the pipeline's defaults) */
const TRAINING_PER_MONTH = 3;
const TRAINING_PER_YEAR = 5;

interface TechRecord {
  year: number;
  monthIdx: number;
  inMonth: number;
  inYear: number;
  trained: boolean;
}

export class Conduct {
  private readonly records = new Map<Tech, TechRecord>();
  private readonly cal: Calendar;
  private readonly designatedMonths: readonly number[];
  constructor(cal: Calendar, designatedMonths: readonly number[]) {
    this.cal = cal;
    this.designatedMonths = designatedMonths;
  }

  /** the chance that one completed ticket of month `monthIdx` carries a fault */
  faultChance(tech: Tech, monthIdx: number): number {
    const r = this.recordOf(tech, monthIdx);
    if (tech.designated) return this.designatedChance(r, monthIdx);
    const base = tech.bad ? FAULT_RATE.poor : FAULT_RATE.good;
    return r.trained ? base * AFTER_TRAINING : base;
  }

  /** spotless before his streak, a few faults in each of its months, careful (trained) after it */
  private designatedChance(r: TechRecord, monthIdx: number): number {
    const [first] = this.designatedMonths;
    if (this.designatedMonths.includes(monthIdx)) return r.inMonth < DESIGNATED_FAULTS_PER_MONTH ? FAULT_RATE.designatedBurst : 0;
    return first !== undefined && monthIdx > first ? FAULT_RATE.good * AFTER_TRAINING : 0;
  }

  /** the fault a completed ticket carries (None mostly), recorded against its technician */
  drawFault(rng: Rng, tech: Tech | null, monthIdx: number): Fault {
    if (tech === null || !rng.chance(this.faultChance(tech, monthIdx))) return Fault.None;
    this.record(tech, monthIdx);
    return FAULT_PICK.pick(rng);
  }

  /** a poor technician not yet through training this year: training mends his service, complaints included */
  poorNow(tech: Tech, monthIdx: number): boolean {
    return tech.bad && !this.recordOf(tech, monthIdx).trained;
  }


  /** one more fault of `tech` in month `monthIdx` (a ticket's, or an inspector's finding) */
  record(tech: Tech, monthIdx: number): void {
    const r = this.recordOf(tech, monthIdx);
    r.inMonth++;
    r.inYear++;
    if (r.inMonth >= TRAINING_PER_MONTH || r.inYear >= TRAINING_PER_YEAR) r.trained = true;
  }

  /** the technician's record, started afresh at a new month's count and a new year */
  private recordOf(tech: Tech, monthIdx: number): TechRecord {
    const year = this.cal.ym(monthIdx)[0];
    let r = this.records.get(tech);
    if (r === undefined) {
      r = { year, monthIdx, inMonth: 0, inYear: 0, trained: false };
      this.records.set(tech, r);
    }
    if (r.year !== year) Object.assign(r, { year, inYear: 0, trained: false });
    if (r.monthIdx !== monthIdx) Object.assign(r, { monthIdx, inMonth: 0 });
    return r;
  }
}

// ---------------------------------------------------------------------------
// Planned overcharges

/** one overcharge: in month `month`, on the first eligible completed ticket from `pos` (a fraction of the month's tickets) */
export interface PlannedOvercharge {
  month: number;
  pos: number;
  /** fee: charged above the standard fee; revisit: the customer says the charge was not per standard */
  kind: 'fee' | 'revisit';
  /** the customer complains (found true): the outlet is fined too */
  complaint: boolean;
}

/** every third overcharge is the revisit kind; every third, from the first, draws a complaint for sure */
export function planOvercharges(months: number, tickets: number): PlannedOvercharge[] {
  const n = Math.max(3, Math.round((OVERCHARGES_PER_24K * tickets) / 24000));
  const plan: PlannedOvercharge[] = [];
  for (let k = 0; k < n; k++) {
    const at = ((k + 0.4) / n) * months;
    const month = Math.floor(at);
    plan.push({ month, pos: at - month, kind: k % 3 === 1 ? 'revisit' : 'fee', complaint: k % 3 === 0 });
  }
  return plan;
}

/** one month's planned overcharges in the order they fall due; only the next one can be due (constant work per ticket) */
export class OverchargeQueue {
  private readonly planned: readonly PlannedOvercharge[];
  private next = 0;
  constructor(plan: readonly PlannedOvercharge[], monthIdx: number) {
    this.planned = plan.filter((p) => p.month === monthIdx).sort((a, b) => a.pos - b.pos);
  }

  /**
   * The overcharge completed ticket `seq` of the month's `tickets` carries, if one is due: a poor
   * technician's ticket, or anyone's (but the designated one's) once a tenth of the month has
   * passed without one.
   */
  take(seq: number, tickets: number, tech: Tech | null): PlannedOvercharge | null {
    const p = this.planned[this.next];
    if (p === undefined || tech === null || tech.designated || seq < p.pos * tickets) return null;
    if (!tech.bad && seq < (p.pos + 0.1) * tickets) return null;
    this.next++;
    return p;
  }
}
