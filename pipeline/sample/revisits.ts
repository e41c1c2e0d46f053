/**
 * Revisit calls (回访) after completed tickets: when the call centre rings, whether the customer
 * answers, the verdict and questionnaire (where a visit's fault shows as a "no"), the follow-up
 * calls to unsatisfied customers, one file per month of the call up to the revisit export's
 * cut-off, and the revisit mess rows (a bad or missing call time, orphan revisits of tickets
 * outside the export). The line a fault's call makes is noted in the line book (./lines.ts).
 * Owns the revisits and their monthly files. Imports only siblings.
 */
import { intoCallCentreHours, MIN_PER_DAY, padN, rowTimestampStyle } from './calendar.ts';
import { Fault } from './conduct.ts';
import type { SampleContext } from './context.ts';
import { DEFAULT_AMOUNTS } from './lines.ts';
import { BAD_TS } from './mess.ts';
import { Weighted, type Rng } from './random.ts';
import type { Ticket } from './tickets.ts';
import { headerInOrder, joinInOrder, quoteField, type CsvWriter } from './writers.ts';

const UNREACHED = new Weighted(['未接通', '关机', '拒访', '空号'], [55, 20, 15, 10]);

export const Verdict = { Satisfied: 0, Neutral: 1, Unsatisfied: 2, Blank: 3 } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

const UNSAT_REASONS = [
  '师傅迟到未提前联系',
  '维修后问题未解决',
  '收费不透明',
  '服务态度差',
  '安装不规范,有渗水',
  '未穿鞋套,弄脏地板',
  '等待上门时间太长',
  '配件缺货需二次上门',
  '师傅不熟悉新机型',
  '现场未清理',
  '说是"小问题"却收了高价',
];
const NEUTRAL_REASONS = ['上门时间偏晚', '师傅话少,讲解不够', '预约改了两次', '一般吧'];

export const R_COLS = [
  '回访编号', '工单号', '回访时间', '是否接通', '回访结果', '是否按时上门', '着装及工作证', '鞋套垫布', '四不准',
  '清理现场', '讲解使用保养', '用户签字', '按标准收费', '不满意原因',
] as const;
const R_ALT: Record<string, string> = {
  是否接通: '回访状态',
  回访结果: '满意度',
  着装及工作证: '是否出示工作证',
  鞋套垫布: '是否穿鞋套',
  四不准: '是否遵守四不',
  清理现场: '是否清理现场',
  讲解使用保养: '是否讲解使用',
  用户签字: '是否签字',
  按标准收费: '是否按标准收费',
  不满意原因: '备注',
};
const R_ORDER = [0, 2, 1, 3, 4, 13, 5, 6, 7, 8, 9, 10, 11, 12];

/** questionnaire: on_time, uniform_badge, shoe_covers, four_nots_ok, site_cleaned, explained_usage, signed_record, charged_per_standard */
const QUESTIONS = 8;
/** the question a visit's fault is answered "no" on (-1: none; a late visit shows in its times) */
const FAULT_QUESTION: Record<Fault, number> = {
  [Fault.None]: -1,
  [Fault.Late]: -1,
  [Fault.Image]: 1,
  [Fault.ShoeCovers]: 2,
  [Fault.FourNots]: 3,
  [Fault.SiteNotCleaned]: 4,
  [Fault.NoExplanation]: 5,
  [Fault.NoSignature]: 6,
  [Fault.ChargedOverStandard]: 7,
};
/** the penalty rule a questionnaire "no" on that question fires (spec 3) */
const FAULT_RULE: Record<Fault, string | null> = {
  [Fault.None]: null,
  [Fault.Late]: null,
  [Fault.Image]: 'IMAGE',
  [Fault.ShoeCovers]: 'NO_SHOE_COVERS',
  [Fault.FourNots]: 'FOUR_NOTS',
  [Fault.SiteNotCleaned]: 'SITE_NOT_CLEANED',
  [Fault.NoExplanation]: 'NO_EXPLANATION',
  [Fault.NoSignature]: 'NO_EXPLANATION',
  [Fault.ChargedOverStandard]: 'OVERCHARGE',
};

/** how the call centre follows an unsatisfied customer up ("twice: within a week and within a month") */
type FollowUpPlan = 'none' | 'week' | 'weekAndMonth' | 'late' | 'unreachedThenLate';
const FOLLOW_UP_PICK = new Weighted<FollowUpPlan>(['none', 'week', 'weekAndMonth', 'late', 'unreachedThenLate'], [20, 28, 37, 9, 6]);
const FOLLOW_UP_NOTES = ['跟进回访:已二次上门处理', '跟进回访:用户表示问题已解决', '跟进回访:配件已更换', '跟进回访:已向用户道歉并说明'];

interface RevisitProfile {
  headers: string[];
  order: number[] | null;
  extraHeader: string | null;
  variants: boolean;
  bools: 'zh' | 'yn' | '10' | 'mixed';
  results: 'word' | 'digit' | 'mixed';
}

/** month by month a different spelling of yes/no and of the verdict, aliased headers, an extra column */
function revisitProfile(r: number, formats: boolean): RevisitProfile {
  const bools: RevisitProfile['bools'] = r === 7 ? 'mixed' : r % 5 === 2 ? 'yn' : r % 5 === 4 ? '10' : 'zh';
  const results: RevisitProfile['results'] = r === 5 ? 'mixed' : r % 3 === 1 ? 'digit' : 'word';
  if (!formats) return { headers: [...R_COLS], order: null, extraHeader: null, variants: false, bools, results };
  const headers = R_COLS.map((h) => (r % 4 === 3 ? (R_ALT[h] ?? h) : h));
  let order: number[] | null = r % 8 === 2 ? [...R_ORDER] : null;
  let extraHeader: string | null = null;
  if (r % 6 === 5) {
    extraHeader = '回访坐席';
    order = [...(order ?? R_COLS.map((_, k) => k)), -1];
  }
  return { headers, order, extraHeader, variants: true, bools, results };
}

// ---------------------------------------------------------------------------
// Files: one per month of the call, opened when its first call is made

interface RevisitFile {
  out: CsvWriter;
  profile: RevisitProfile;
  idx: number;
  ym: string;
  seq: number;
}

/** the open revisit files by month index */
export type RevisitFiles = Map<number, RevisitFile>;

function revisitFileFor(ctx: SampleContext, files: RevisitFiles, min: number): RevisitFile {
  const info = ctx.cal.of(min);
  let r = files.get(info.monthIdx);
  if (r === undefined) {
    const profile = revisitProfile(info.monthIdx, ctx.run.formats);
    r = {
      out: ctx.outputs.csv(`回访_${info.monthKey}.csv`, 'revisits', headerInOrder(profile.headers, profile.order, profile.extraHeader)),
      profile,
      idx: info.monthIdx,
      ym: info.monthKey.replace('-', ''),
      seq: 0,
    };
    files.set(info.monthIdx, r);
  }
  return r;
}

/** revisits of earlier months are complete once month `mi` is done: nothing created later can precede them */
export async function closeFinishedRevisitMonths(ctx: SampleContext, files: RevisitFiles, mi: number): Promise<void> {
  for (const [idx, ro] of [...files]) {
    if (idx > mi) continue;
    await closeRevisitFile(ctx, files, ro);
    files.delete(idx);
  }
}

export async function closeRemainingRevisitMonths(ctx: SampleContext, files: RevisitFiles): Promise<void> {
  for (const ro of [...files.values()].sort((a, b) => a.idx - b.idx)) await closeRevisitFile(ctx, files, ro);
}

async function closeRevisitFile(ctx: SampleContext, files: RevisitFiles, ro: RevisitFile): Promise<void> {
  if (ro.idx === 0 && ctx.run.mess) writeOrphanRevisits(ctx, files, ro);
  await ctx.outputs.close(ro.out);
}

// ---------------------------------------------------------------------------
// Calls after one completed ticket

/** the calls after a completed ticket (its technician known); returns the verdict of the reached call */
export function writeRevisitsOf(ctx: SampleContext, files: RevisitFiles, t: Ticket): Verdict {
  // the planned answer "not charged per standard" needs a call that reaches the customer
  const sure = t.fault === Fault.ChargedOverStandard;
  const first = sure ? intoCallCentreHours(ctx.rng, t.completed + ctx.rng.int(60, 48 * 60)) : firstCallTime(ctx.rng, t);
  if (first < 0) return Verdict.Blank;
  return callUntilReached(ctx, files, t, first, sure);
}

/**
 * Most first calls come within 70 hours of completion; a few come before the completion time,
 * exactly at the 72-hour limit or after it, 3.5% from the call centre's backlog one to three weeks
 * later (not covered; settled late, often in the next month), and 0.6% of tickets get no call:
 * the coverage and settlement rules' edges.
 */
function firstCallTime(rng: Rng, t: Ticket): number {
  const C = t.completed;
  const rv = rng.next();
  let first = -1;
  if (rv < 0.003) {
    const room = Math.max(5, Math.min(60, t.arrived >= 0 ? C - t.arrived - 1 : 30));
    first = Math.max(t.created + 1, C - rng.int(5, Math.max(5, room)));
  } else if (rv < 0.004) first = C + 72 * 60;
  else if (rv < 0.044) first = intoCallCentreHours(rng, C + rng.int(72 * 60 + 10, 200 * 60));
  else if (rv < 0.079) first = intoCallCentreHours(rng, C + rng.int(7 * MIN_PER_DAY, 21 * MIN_PER_DAY));
  else if (rv < 0.994) {
    first = intoCallCentreHours(rng, C + rng.int(60, 70 * 60));
    if (first > C + 71 * 60) first -= MIN_PER_DAY;
  }
  return first;
}

/** up to three attempts (`sure`: the first answers), each unanswered one a row of its own; none after the revisit export was taken */
function callUntilReached(ctx: SampleContext, files: RevisitFiles, t: Ticket, first: number, sure: boolean): Verdict {
  const { rng } = ctx;
  let at = first;
  const reachP = [0.88, 0.85, 0.75];
  for (let attempt = 0; attempt < 3 && at <= ctx.revisitCutoff; attempt++) {
    if (sure || rng.chance(reachP[attempt] as number)) return reachedCall(ctx, files, t, at);
    writeRevisit(ctx, files, t.id, at, false, Verdict.Blank, null, '');
    at = intoCallCentreHours(rng, at + (attempt === 0 ? rng.int(120, 1800) : rng.int(240, 1440)));
  }
  return Verdict.Blank;
}

function reachedCall(ctx: SampleContext, files: RevisitFiles, t: Ticket, at: number): Verdict {
  const { rng } = ctx;
  const bad = t.tech !== null && t.tech.bad;
  const verdict = drawVerdict(rng, bad, t.fault !== Fault.None || t.overcharged);
  const answers = drawQuestionnaire(rng, t);
  let reason = '';
  if (verdict === Verdict.Unsatisfied && rng.chance(0.97)) reason = rng.pick(UNSAT_REASONS);
  else if (verdict === Verdict.Neutral && rng.chance(0.3)) reason = rng.pick(NEUTRAL_REASONS);
  const row = writeRevisit(ctx, files, t.id, at, true, verdict, answers, reason);
  if (row !== null) noteQuestionnaireLine(ctx, t, at, row);
  // a call before the completion time gives no verdict, so it starts no follow-up either
  if (verdict === Verdict.Unsatisfied && at >= t.completed) writeFollowUps(ctx, files, t.id, at);
  if (verdict !== Verdict.Blank && rng.chance(0.03)) writeSecondOpinion(ctx, files, t.id, at, verdict);
  return verdict;
}

/**
 * The line a questionnaire "no" makes (RULE_ID:ticket_id), for the late export and the appeals: only
 * a call at or after completion is evidence, and only the fault's call is asked the questionnaire.
 */
function noteQuestionnaireLine(ctx: SampleContext, t: Ticket, at: number, row: readonly string[]): void {
  const question = FAULT_QUESTION[t.fault];
  const ruleId = FAULT_RULE[t.fault];
  if (ctx.lines === null || question < 0 || ruleId === null || at < t.completed || t.tech === null) return;
  const amount = DEFAULT_AMOUNTS[ruleId] as number;
  const monthIdx = ctx.cal.of(t.completed).monthIdx;
  ctx.lines.add({ lineId: `${ruleId}:${t.id}`, ruleId, monthIdx, technician: t.tech, amount, at: t.completed, source: { kind: 'revisit', row, answerColumn: 5 + question } });
}

/** poor technicians and visits with a fault or an overcharge shift verdicts towards unsatisfied */
function drawVerdict(rng: Rng, bad: boolean, spoilt: boolean): Verdict {
  const r = rng.next();
  let pSat = bad ? 0.74 : 0.86;
  let pNeu = bad ? 0.12 : 0.08;
  let pUns = bad ? 0.1 : 0.03;
  if (spoilt) {
    pSat -= 0.09;
    pNeu += 0.03;
    pUns += 0.06;
  }
  return r < pSat ? Verdict.Satisfied : r < pSat + pNeu ? Verdict.Neutral : r < pSat + pNeu + pUns ? Verdict.Unsatisfied : Verdict.Blank;
}

/**
 * Answers 1 yes, 0 no, -1 blank. The visit's fault is a "no" on its question; a late visit or an
 * overcharge is remembered half the time; a customer now and then thinks an on-time visit was late.
 */
function drawQuestionnaire(rng: Rng, t: Ticket): Int8Array {
  const answers = new Int8Array(QUESTIONS);
  for (let qk = 0; qk < QUESTIONS; qk++) answers[qk] = rng.next() < 0.012 ? -1 : 1;
  if (t.late ? rng.chance(0.5) : rng.chance(0.004)) answers[0] = 0;
  if (t.overcharged && rng.chance(0.5)) answers[7] = 0;
  const faultQuestion = FAULT_QUESTION[t.fault];
  if (faultQuestion >= 0) answers[faultQuestion] = 0;
  return answers;
}

/**
 * The follow-up calls to an unsatisfied customer after the verdict call at `v`: none, one within
 * the week, one within the week and one within the month, or only late ones (after an unanswered
 * try now and then). Times stay clear of the 7- and 30-day limits, which fixtures test exactly.
 */
function writeFollowUps(ctx: SampleContext, files: RevisitFiles, ticketId: string, v: number): void {
  const { rng } = ctx;
  const plan = FOLLOW_UP_PICK.pick(rng);
  const days = (lo: number, hi: number): number => v + rng.int(lo * MIN_PER_DAY, hi * MIN_PER_DAY);
  const calls: { at: number; reached: boolean }[] = [];
  if (plan === 'week' || plan === 'weekAndMonth') calls.push({ at: days(1, 6), reached: true });
  if (plan === 'weekAndMonth') calls.push({ at: days(10, 28), reached: true });
  if (plan === 'unreachedThenLate') calls.push({ at: days(1, 5), reached: false });
  if (plan === 'late' || plan === 'unreachedThenLate') calls.push({ at: days(8, 14), reached: true });
  if (plan === 'late' && rng.chance(0.5)) calls.push({ at: days(16, 28), reached: true });
  for (const call of calls) {
    const at = intoCallCentreHours(rng, call.at);
    if (!call.reached) writeRevisit(ctx, files, ticketId, at, false, Verdict.Blank, null, '');
    else {
      const r = rng.next();
      const result = r < 0.55 ? Verdict.Satisfied : r < 0.8 ? Verdict.Neutral : Verdict.Blank;
      writeRevisit(ctx, files, ticketId, at, true, result, null, rng.pick(FOLLOW_UP_NOTES));
    }
  }
}

/** a second reached call days later with a different verdict: which one counts is the pipeline's rule */
function writeSecondOpinion(ctx: SampleContext, files: RevisitFiles, ticketId: string, at: number, verdict: Verdict): void {
  const { rng } = ctx;
  const other: Verdict =
    verdict === Verdict.Satisfied
      ? rng.chance(0.6)
        ? Verdict.Unsatisfied
        : Verdict.Neutral
      : verdict === Verdict.Neutral
        ? rng.chance(0.5)
          ? Verdict.Satisfied
          : Verdict.Unsatisfied
        : rng.chance(0.7)
          ? Verdict.Satisfied
          : Verdict.Neutral;
  const reason = other === Verdict.Unsatisfied ? rng.pick(UNSAT_REASONS) : '';
  writeRevisit(ctx, files, ticketId, intoCallCentreHours(rng, at + rng.int(2 * MIN_PER_DAY, 10 * MIN_PER_DAY)), true, other, null, reason);
}

// ---------------------------------------------------------------------------
// Rows

/** one call's row; `answers` null: the questionnaire was not asked. Returns its cells in canonical order (null: not written) */
function writeRevisit(
  ctx: SampleContext,
  files: RevisitFiles,
  ticketId: string,
  at: number,
  reached: boolean,
  verdict: Verdict,
  answers: Int8Array | null,
  reason: string,
): string[] | null {
  const { spellingRng } = ctx;
  if (at > ctx.revisitCutoff) return null; // the call centre's export was taken before this call
  const ro = revisitFileFor(ctx, files, at);
  const p = ro.profile;
  ro.seq++;
  const id = 'HF' + ro.ym + padN(ro.seq, 6);
  const f: string[] = new Array<string>(14);
  f[0] = id;
  f[1] = ticketId;
  f[2] = ctx.cal.fmt(at, rowTimestampStyle(spellingRng, p.variants));
  f[3] = reached ? reachedCell(spellingRng, p.bools) : UNREACHED.pick(spellingRng);
  f[4] = reached ? resultCell(spellingRng, verdict, p.results) : '';
  for (let k = 0; k < QUESTIONS; k++) f[5 + k] = reached && answers !== null ? boolCell(spellingRng, answers[k] as number, p.bools) : '';
  f[13] = quoteField(reason);
  const extra = p.extraHeader !== null && reached ? 'KF' + padN(1 + Math.floor(spellingRng.next() * 40), 3) : '';
  if (!reached) spoilUnreachedCall(ctx, ro, id, f);
  ro.out.add(joinInOrder(f, p.order, extra));
  return f;
}

/** the planned bad or missing call time, on an unreached call so that coverage does not move */
function spoilUnreachedCall(ctx: SampleContext, ro: RevisitFile, id: string, f: string[]): void {
  for (const m of ctx.plan.revisits) {
    if (m.done || m.month !== ro.idx || ro.out.rows + 1 < m.fromRow) continue;
    m.done = true;
    const colIdx = 2;
    const at = { file: ro.out.file, line: ro.out.nextLine, kind: 'revisits' as const, key: id, column: ro.profile.headers[colIdx] as string };
    if (m.kind === 'bad_ts') {
      f[colIdx] = BAD_TS;
      ctx.messRows.push({ ...at, problem: 'bad_timestamp', value: BAD_TS, note: 'unparseable revisit time on an unreached call' });
    } else {
      f[colIdx] = '';
      ctx.messRows.push({ ...at, problem: 'missing_required', value: '', note: 'required revisit time left blank on an unreached call' });
    }
    return;
  }
}

function boolCell(spellingRng: Rng, v: number, style: RevisitProfile['bools']): string {
  // v: 1 true, 0 false, -1 blank
  if (v < 0) return '';
  let s = style;
  if (s === 'mixed') {
    const r = spellingRng.next();
    s = r < 0.7 ? 'zh' : r < 0.85 ? 'yn' : '10';
  }
  if (s === 'zh') return v ? '是' : '否';
  if (s === 'yn') return v ? 'Y' : 'N';
  return v ? '1' : '0';
}

function reachedCell(spellingRng: Rng, style: RevisitProfile['bools']): string {
  const r = spellingRng.next();
  if (style === 'yn') return r < 0.85 ? 'Y' : '已接通';
  return r < 0.6 ? '是' : r < 0.85 ? '已接通' : '成功';
}

function resultCell(spellingRng: Rng, v: Verdict, style: RevisitProfile['results']): string {
  if (v === Verdict.Blank) return '';
  let s = style;
  if (s === 'mixed') s = spellingRng.next() < 0.8 ? 'word' : 'digit';
  const r = spellingRng.next();
  if (s === 'word') {
    if (v === Verdict.Satisfied) return r < 0.9 ? '满意' : '非常满意';
    if (v === Verdict.Neutral) return r < 0.8 ? '一般' : '基本满意';
    return r < 0.85 ? '不满意' : '非常不满意';
  }
  if (v === Verdict.Satisfied) return r < 0.6 ? '5' : '4';
  if (v === Verdict.Neutral) return '3';
  return r < 0.6 ? '2' : '1';
}

/** revisits of tickets from before the export period, in the first month's file */
function writeOrphanRevisits(ctx: SampleContext, files: RevisitFiles, ro: RevisitFile): void {
  const { messRng } = ctx;
  const prevYm = ctx.cal.compactMonthKey(-1);
  const used = new Set<number>();
  const allYes = new Int8Array(QUESTIONS).fill(1);
  for (let n = 0; n < 5; n++) {
    let s = messRng.int(1000, 9999);
    while (used.has(s)) s++;
    used.add(s);
    const ticketId = 'GD' + prevYm + padN(s, 6);
    const at = ctx.firstDay * MIN_PER_DAY + messRng.int(0, 2) * MIN_PER_DAY + messRng.int(540, 1140);
    const line = ro.out.nextLine;
    writeRevisit(ctx, files, ticketId, at, true, Verdict.Satisfied, allYes, '');
    ctx.messRows.push({ file: ro.out.file, line, kind: 'revisits', key: 'HF' + ro.ym + padN(ro.seq, 6), column: ro.profile.headers[1] as string, problem: 'orphan', value: ticketId, note: 'revisit of a ticket outside the export' });
  }
}
