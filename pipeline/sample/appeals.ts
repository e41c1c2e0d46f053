/**
 * The appeals export (申诉.csv, spec 6.3), in the late folder (./late.ts): technicians' appeals of
 * their penalty lines and HR's decisions, every decision, on real lines of the sample (the line
 * book, ./lines.ts):
 * - on lines of the closed months, whose effect is an `appeal` adjustment in the first open month:
 *   one waived (撤销), one reduced (减免), one upheld (维持);
 * - on lines of open months: waived, reduced, upheld, one still pending (待处理), and one line
 *   appealed twice (upheld, then waived on new evidence: the later decision stands);
 * - two that HR's system let through and the pipeline rejects: a line id with a digit dropped
 *   (unknown_line) and a "reduction" to the line's full amount (amount_out_of_range).
 * 说明 holds the appellant's or HR's plain words: no customer's name or phone.
 * Owns the appeals. Imports only siblings.
 */
import { padN } from './calendar.ts';
import type { SampleContext } from './context.ts';
import { halved, type LineBook, type PlannedLine } from './lines.ts';
import type { AppealDecision, AppealOutcome, LateExport } from './types.ts';
import { quoteField, type SampleOutputs } from './writers.ts';

const A_COLS = ['申诉编号', '罚款编号', '申诉时间', '处理结果', '减免后金额', '处理时间', '说明'] as const;
const DECISION_ZH: Record<AppealDecision, string> = { pending: '待处理', upheld: '维持', waived: '撤销', reduced: '减免' };
const NOTES: Record<AppealDecision, string> = {
  pending: '申请复核,等待网点主管确认',
  upheld: '证据充分,维持原处罚',
  waived: '复核现场照片,情况不属实,撤销处罚',
  reduced: '首次违规且已整改,减半处罚',
};

/** what the appeals need from the late export: the line book, the months, and times */
export interface AppealPlanner {
  book: LineBook;
  closedMonths: number;
  months: number;
  /** minutes at `minuteOfDay` on day `day` (1-based) of month `monthIdx` */
  dayAt: (monthIdx: number, day: number, minuteOfDay: number) => number;
}

interface PlannedAppeal {
  lineId: string;
  decision: AppealDecision;
  decidedAmount: number | null;
  /** minutes */
  submitted: number;
  /** minutes; -1: not decided */
  decided: number;
  note: string;
  outcome: AppealOutcome;
}

/** any line but an overcharge (a dismissal matter, not one for the sample's appeals) */
const ordinary = (line: PlannedLine): boolean => line.ruleId !== 'OVERCHARGE';
const reducible = (line: PlannedLine): boolean => ordinary(line) && line.amount >= 20;

/** writes 申诉.csv; returns each appeal with what the pipeline should make of it */
export async function writeAppeals(ctx: SampleContext, outputs: SampleOutputs, planner: AppealPlanner): Promise<LateExport['appeals']> {
  const planned = [...closedMonthAppeals(planner), ...openMonthAppeals(planner), ...badAppeals(planner)];
  planned.sort((a, b) => a.submitted - b.submitted || (a.lineId < b.lineId ? -1 : a.lineId > b.lineId ? 1 : 0));
  const file = outputs.csv('申诉.csv', 'appeals', A_COLS);
  const perMonth = new Map<string, number>();
  const written: LateExport['appeals'] = [];
  for (const appeal of planned) {
    const ym = ctx.cal.of(appeal.submitted).monthKey.replace('-', '');
    const seq = (perMonth.get(ym) ?? 0) + 1;
    perMonth.set(ym, seq);
    const appealId = 'SS' + ym + padN(seq, 4);
    const decidedAt = appeal.decided < 0 ? '' : ctx.cal.fmt(appeal.decided, 'std');
    const amount = appeal.decidedAmount === null ? '' : appeal.decidedAmount.toFixed(2);
    file.add([appealId, appeal.lineId, ctx.cal.fmt(appeal.submitted, 'std'), DECISION_ZH[appeal.decision], amount, decidedAt, quoteField(appeal.note)].join(','));
    written.push({ appeal_id: appealId, line_id: appeal.lineId, decision: appeal.decision, outcome: appeal.outcome });
  }
  await outputs.close(file);
  return written;
}

/** one appeal of `line`, submitted on day `day` of month `monthIdx` and decided ten days later (pending: not yet) */
function appealOf(p: AppealPlanner, line: PlannedLine, decision: AppealDecision, monthIdx: number, day: number): PlannedAppeal {
  return {
    lineId: line.lineId,
    decision,
    decidedAmount: decision === 'reduced' ? halved(line.amount) : null,
    submitted: p.dayAt(monthIdx, day, 570),
    decided: decision === 'pending' ? -1 : p.dayAt(monthIdx, day + 10, 960),
    note: NOTES[decision],
    outcome: 'stands',
  };
}

/** appeals decided after the closes, on the closed months' lines: in the first open month */
function closedMonthAppeals(p: AppealPlanner): PlannedAppeal[] {
  const firstOpen = p.closedMonths;
  const appeals: PlannedAppeal[] = [];
  const waived = p.book.take(0, 'revisit', ordinary) ?? p.book.take(0, 'any', ordinary);
  if (waived) appeals.push(appealOf(p, waived, 'waived', firstOpen, 3));
  const last = p.closedMonths - 1;
  const reduced = p.book.take(last, 'violation', reducible) ?? p.book.take(last, 'any', reducible);
  if (reduced) appeals.push(appealOf(p, reduced, 'reduced', firstOpen, 4));
  const upheld = p.book.take(1, 'any', ordinary);
  if (upheld) appeals.push(appealOf(p, upheld, 'upheld', firstOpen, 5));
  return appeals;
}

/** the `k`th open month (clamped to the period) */
const openMonth = (p: AppealPlanner, k: number): number => Math.min(p.closedMonths + k, p.months - 1);
/** the month after a line's, when an appeal of it is made (clamped to the period) */
const monthAfter = (p: AppealPlanner, line: PlannedLine): number => Math.min(line.monthIdx + 1, p.months - 1);

/** appeals of open months' lines, each in the month after its line's */
function openMonthAppeals(p: AppealPlanner): PlannedAppeal[] {
  const month = (k: number) => openMonth(p, k);
  const appeals: PlannedAppeal[] = [];
  const add = (k: number, decision: AppealDecision, fits: (l: PlannedLine) => boolean) => {
    const line = p.book.take(month(k), decision === 'reduced' ? 'violation' : 'any', fits) ?? p.book.take(month(k), 'any', fits);
    if (line) appeals.push(appealOf(p, line, decision, monthAfter(p, line), 5));
  };
  add(0, 'waived', ordinary);
  add(1, 'reduced', reducible);
  add(3, 'upheld', ordinary);
  add(p.months - 2 - p.closedMonths, 'pending', ordinary);
  const twice = p.book.take(month(2), 'any', ordinary);
  if (twice) {
    const next = monthAfter(p, twice);
    const first = { ...appealOf(p, twice, 'upheld', next, 2), outcome: 'replaced' as const };
    const second = { ...appealOf(p, twice, 'waived', next, 14), note: '补充提交上门签到记录,复核后撤销' };
    appeals.push(first, second);
  }
  return appeals;
}

/** what the pipeline must reject: a line id mistyped (a digit dropped), a reduction to the full amount */
function badAppeals(p: AppealPlanner): PlannedAppeal[] {
  const month = (k: number) => openMonth(p, k);
  const appeals: PlannedAppeal[] = [];
  const mistyped = p.book.take(month(4), 'any', ordinary);
  if (mistyped) {
    const lineId = mistyped.lineId.slice(0, -2) + mistyped.lineId.slice(-1);
    appeals.push({ ...appealOf(p, mistyped, 'waived', monthAfter(p, mistyped), 6), lineId, note: '申请撤销', outcome: 'unknown_line' });
  }
  const full = p.book.take(month(5), 'any', reducible);
  if (full) appeals.push({ ...appealOf(p, full, 'reduced', monthAfter(p, full), 7), decidedAmount: full.amount, note: '申请减免', outcome: 'amount_out_of_range' });
  return appeals;
}
