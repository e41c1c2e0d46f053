/**
 * The penalty lines the generator is sure the pipeline finds, by their line ids (spec 6.1), so that
 * the late export and the appeals (./late.ts, ./appeals.ts) name real lines: a manual violation
 * (`RULE_ID:violation_id`) and a questionnaire "no" on a reached call at or after completion
 * (`RULE_ID:ticket_id`). Lateness, the complaint-rate line and overcharges by fee are left out:
 * whether they fire is the pipeline's judgement (a missing check-in, the month's ranking).
 *
 * A dozen of each kind a month is plenty, so the book stays small at any size. Recording draws
 * nothing from the random streams: keeping the book never moves the sample's data.
 * Owns the book and the default fine schedule as the generator knows it. Imports only siblings.
 */
import type { Tech } from './people.ts';

/** the pipeline's default fine schedule (data/config.json), yuan: a violation without an amount of its own gets its rule's */
export const DEFAULT_AMOUNTS: Readonly<Record<string, number>> = {
  LATE_NO_NOTICE: 20,
  IMAGE: 20,
  NO_SHOE_COVERS: 50,
  FOUR_NOTS: 100,
  SITE_NOT_CLEANED: 50,
  NO_EXPLANATION: 30,
  OVERCHARGE: 500,
};

/** where a line comes from: the row that makes it, as written, in the file's canonical column order */
export type LineSource =
  | { kind: 'revisit'; row: readonly string[]; answerColumn: number }
  | { kind: 'violation'; row: readonly string[] };

export interface PlannedLine {
  lineId: string;
  ruleId: string;
  /** the line's month (the ticket's completion month, the violation's month), relative to the first */
  monthIdx: number;
  technician: Tech;
  /** yuan */
  amount: number;
  /** minutes: the ticket's completion or the violation's time */
  at: number;
  source: LineSource;
}

const KEEP_PER_MONTH_AND_KIND = 12;

/** a reduced or revised amount: half, down to ten yuan (below the amount for any amount of 20 yuan or more) */
export function halved(amount: number): number {
  return Math.floor(amount / 20) * 10;
}

export class LineBook {
  private readonly kept = new Map<string, PlannedLine[]>();
  private readonly taken = new Set<string>();

  add(line: PlannedLine): void {
    const key = `${line.monthIdx}:${line.source.kind}`;
    let list = this.kept.get(key);
    if (list === undefined) this.kept.set(key, (list = []));
    if (list.length < KEEP_PER_MONTH_AND_KIND) list.push(line);
  }

  /**
   * The first line of month `monthIdx` not taken yet, of the kind asked (any: revisit lines first)
   * and that `fits`; taken now, so that no line is used twice. Null: none.
   */
  take(monthIdx: number, kind: LineSource['kind'] | 'any', fits: (line: PlannedLine) => boolean = () => true): PlannedLine | null {
    const kinds: LineSource['kind'][] = kind === 'any' ? ['revisit', 'violation'] : [kind];
    for (const k of kinds) {
      const line = (this.kept.get(`${monthIdx}:${k}`) ?? []).find((l) => !this.taken.has(l.lineId) && fits(l));
      if (line !== undefined) {
        this.taken.add(line.lineId);
        return line;
      }
    }
    return null;
  }
}
