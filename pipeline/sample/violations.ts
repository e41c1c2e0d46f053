/**
 * Manual violations (违规): inspectors' findings against technicians, about one a month, found
 * where faults are (poor technicians far more often, rarely one just back from training); each
 * finding counts in the technician's record. One file, 违规.csv. Each row's line is noted in the
 * line book (./lines.ts) when one is kept.
 * Owns the violations. Imports only siblings.
 */
import { MIN_PER_DAY, padN } from './calendar.ts';
import type { SampleContext } from './context.ts';
import { DEFAULT_AMOUNTS } from './lines.ts';
import type { Tech } from './people.ts';
import { apportion, Weighted } from './random.ts';
import type { TicketMonth } from './tickets.ts';
import { quoteField, type CsvWriter } from './writers.ts';

interface ViolationRule {
  id: string;
  weight: number;
  /** a fine written in the export, overriding the rule's configured amount ('': none written) */
  amount: string;
  notes: readonly string[];
}
const VIOLATION_RULES: readonly ViolationRule[] = [
  { id: 'LATE_NO_NOTICE', weight: 5, amount: '', notes: ['抽查:迟到未提前告知用户', '用户来电反映超时未上门'] },
  { id: 'IMAGE', weight: 5, amount: '', notes: ['巡检:未穿工装', '未佩戴工作证'] },
  { id: 'NO_SHOE_COVERS', weight: 5, amount: '', notes: ['巡检:入户未穿鞋套', '未铺垫布'] },
  { id: 'FOUR_NOTS', weight: 2, amount: '', notes: ['收取用户礼品', '接受用户宴请'] },
  { id: 'SITE_NOT_CLEANED', weight: 4, amount: '', notes: ['完工未清理现场,用户投诉', '旧机包装遗留现场'] },
  { id: 'NO_EXPLANATION', weight: 3, amount: '', notes: ['未讲解使用保养', '服务单无用户签字'] },
  { id: 'OVERCHARGE', weight: 0.5, amount: '', notes: ['私收材料费未开票', '超标准收费'] },
  { id: 'SAFETY', weight: 4, amount: '200', notes: ['高空作业未系安全带', '带电作业'] },
  { id: 'PARTS_RETURN', weight: 3, amount: '100', notes: ['旧件逾期未返还', '旧件返还缺失'] },
];
const VIOLATION_PICK = new Weighted(VIOLATION_RULES, VIOLATION_RULES.map((r) => r.weight));

export const V_COLS = ['违规编号', '工程师工号', '发生时间', '规则编号', '罚款金额', '说明'] as const;

export interface ViolationFile {
  out: CsvWriter;
  perMonth: number[];
}

/** about 14 violations per 24,000 tickets, evenly over the months */
export function openViolationFile(ctx: SampleContext): ViolationFile {
  const { run } = ctx;
  return {
    out: ctx.outputs.csv('违规.csv', 'violations', V_COLS),
    perMonth: apportion(Math.max(1, Math.round((14 * run.tickets) / 24000)), new Array<number>(run.months).fill(1)),
  };
}

/** the month's violations in time order, against its working technicians as likely as their own faults */
export function writeMonthViolations(ctx: SampleContext, file: ViolationFile, month: TicketMonth): void {
  const { rng, cal, conduct } = ctx;
  const vPick = new Weighted(month.active, month.active.map((t) => conduct.faultChance(t, month.idx)));
  const vTimes: number[] = [];
  for (let n = 0; n < (file.perMonth[month.idx] as number); n++) vTimes.push(month.startMin + rng.int(0, month.days - 1) * MIN_PER_DAY + rng.int(480, 1080));
  vTimes.sort((a, b) => a - b);
  vTimes.forEach((at, n) => {
    if (vPick.empty) return;
    const t = vPick.pick(rng);
    conduct.record(t, month.idx);
    const rule = VIOLATION_PICK.pick(rng);
    const amount = rule.amount !== '' ? rule.amount : rng.chance(0.08) ? '30' : '';
    const row = ['WG' + month.ym + padN(n + 1, 4), t.id, cal.fmt(at, 'std'), rule.id, amount, quoteField(rng.pick(rule.notes))];
    file.out.add(row.join(','));
    noteViolationLine(ctx, month.idx, t, at, row);
  });
}

/** the line a violation row makes (RULE_ID:violation_id), for the late export and the appeals */
function noteViolationLine(ctx: SampleContext, monthIdx: number, technician: Tech, at: number, row: string[]): void {
  const [violationId, , , ruleId, written] = row as [string, string, string, string, string];
  const amount = written !== '' ? Number(written) : DEFAULT_AMOUNTS[ruleId];
  if (ctx.lines === null || amount === undefined) return;
  ctx.lines.add({ lineId: `${ruleId}:${violationId}`, ruleId, monthIdx, technician, amount, at, source: { kind: 'violation', row } });
}
