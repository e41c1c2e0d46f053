/**
 * Complaints (投诉): about completed tickets (more often after poor service not yet mended by
 * training, overcharges and unsatisfied verdicts, a burst for the designated technician), complaints naming no ticket, and
 * the complaint mess rows (a bad resolution time, orphans about tickets outside the export).
 * All go to one file, 投诉.csv.
 * Owns the complaints. Imports only siblings.
 */
import { intoCallCentreHours, MIN_PER_DAY, padN } from './calendar.ts';
import type { SampleContext } from './context.ts';
import { BAD_TS } from './mess.ts';
import type { Tech } from './people.ts';
import { Weighted, type Rng } from './random.ts';
import { Verdict } from './revisits.ts';
import type { Ticket, TicketMonth } from './tickets.ts';
import { joinInOrder, type CsvWriter } from './writers.ts';

interface ComplaintCat {
  code: string;
  zh: string;
}
const COMPLAINT_CATS: readonly ComplaintCat[] = [
  { code: 'service_attitude', zh: '服务态度' },
  { code: 'untimely', zh: '服务不及时' },
  { code: 'overcharge', zh: '收费不合理' },
  { code: 'skill', zh: '技术水平' },
  { code: 'nonstandard', zh: '服务不规范' },
  { code: 'product_quality', zh: '产品质量' },
  { code: 'sales', zh: '导购服务' },
  { code: 'manual', zh: '使用说明' },
  { code: 'no_outlet', zh: '找不到网点' },
  { code: 'hotline', zh: '热线不通' },
  { code: 'other', zh: '其他' },
];
const CAT_IDX: Record<string, number> = Object.fromEntries(COMPLAINT_CATS.map((c, i) => [c.code, i]));
const CI = (code: string): number => CAT_IDX[code] as number;
const IDX = COMPLAINT_CATS.map((_, i) => i);
const CAT_GENERAL = new Weighted(IDX, [18, 20, 2, 12, 10, 15, 4, 5, 2, 4, 8]);
const CAT_BAD_TECH = new Weighted(IDX, [30, 20, 2, 20, 20, 5, 0, 0, 0, 0, 3]);
const CAT_DESIGNATED = new Weighted(IDX, [35, 20, 0, 25, 20, 0, 0, 0, 0, 0, 0]);
const CAT_NO_TICKET = new Weighted(IDX, [20, 20, 0, 0, 0, 0, 0, 0, 30, 30, 0]);

const RESP_ZH = { technician: '工程师', outlet: '网点', product: '产品', other: '其他' } as const;
type Resp = keyof typeof RESP_ZH;
/** responsible party sensibly tied to the category: [party, weight] */
const RESP_BY_CAT: Record<string, ReadonlyArray<readonly [Resp, number]>> = {
  service_attitude: [['technician', 9], ['outlet', 1]],
  untimely: [['technician', 6], ['outlet', 4]],
  overcharge: [['technician', 85], ['outlet', 15]],
  skill: [['technician', 1]],
  nonstandard: [['technician', 8], ['outlet', 2]],
  product_quality: [['product', 1]],
  sales: [['other', 7], ['outlet', 3]],
  manual: [['product', 6], ['other', 4]],
  no_outlet: [['outlet', 6], ['other', 4]],
  hotline: [['other', 7], ['outlet', 3]],
  other: [['other', 6], ['outlet', 3], ['technician', 1]],
};
const RESP_PICK: Record<string, Weighted<Resp>> = Object.fromEntries(
  Object.entries(RESP_BY_CAT).map(([k, v]) => [k, new Weighted(v.map((x) => x[0]), v.map((x) => x[1]))]),
);

const C_COLS = ['投诉编号', '工单号', '工程师工号', '网点编号', '投诉时间', '投诉类别', '责任方', '是否属实', '结案时间'] as const;
const C_ORDER = [0, 4, 5, 1, 2, 3, 6, 7, 8];

export interface ComplaintFile {
  out: CsvWriter;
  order: number[] | null;
  /** complaints so far by month of the complaint, for their ids */
  seqByMonth: Map<string, number>;
}

export function openComplaintFile(ctx: SampleContext): ComplaintFile {
  const order = ctx.run.formats ? C_ORDER : null;
  const out = ctx.outputs.csv('投诉.csv', 'complaints', order ? order.map((i) => C_COLS[i] as string) : C_COLS);
  return { out, order, seqByMonth: new Map() };
}

interface Complaint {
  ticketId: string;
  techId: string;
  outletId: string;
  at: number;
  cat: number;
  resp: Resp;
  verified: boolean;
  resolved: number;
}

/** a complaint about a completed ticket whose technician is known, if the ticket draws one */
export function complaintAboutTicket(ctx: SampleContext, file: ComplaintFile, t: Ticket, verdict: Verdict): void {
  const { rng, cal } = ctx;
  const tech = t.tech as Tech;
  const C = t.completed;
  const compMonth = cal.of(C).monthIdx;
  const designatedNow = tech.designated && ctx.designatedMonths.includes(compMonth);
  const drawn = drawTicketComplaint(rng, t, designatedNow, ctx.conduct.poorNow(tech, compMonth), verdict);
  if (drawn === null) return;
  const code = (COMPLAINT_CATS[drawn.cat] as ComplaintCat).code;
  const resp: Resp = designatedNow ? 'technician' : (RESP_PICK[code] as Weighted<Resp>).pick(rng);
  let at: number;
  if (designatedNow) {
    // the burst must land in the designated months themselves
    const monthEnd = cal.monthStartDay(compMonth + 1) * MIN_PER_DAY - 1;
    at = Math.min(monthEnd, intoCallCentreHours(rng, C + rng.int(30, 2160)));
  } else at = intoCallCentreHours(rng, C + rng.int(60, 7 * MIN_PER_DAY));
  const resolved = rng.chance(0.85) ? at + rng.int(MIN_PER_DAY, 10 * MIN_PER_DAY) : -1;
  const given = rng.chance(0.9);
  writeComplaint(ctx, file, {
    ticketId: t.id,
    techId: given ? tech.id : '',
    outletId: given ? t.outlet.id : '',
    at,
    cat: drawn.cat,
    resp,
    verified: drawn.verified,
    resolved,
  });
}

/** whether the ticket draws a complaint, its category and whether it was found true (null: none) */
function drawTicketComplaint(rng: Rng, t: Ticket, designatedNow: boolean, bad: boolean, verdict: Verdict): { cat: number; verified: boolean } | null {
  const rc = rng.next();
  // most customers charged above the standard complain about it
  if (t.overchargeComplaint) return { cat: CI('overcharge'), verified: true };
  if (t.overcharged && rc < 0.75) return { cat: CI('overcharge'), verified: rng.chance(0.9) };
  let p = designatedNow ? 0.2 : bad ? 0.025 : 0.005;
  if (verdict === Verdict.Unsatisfied) p += 0.05;
  if (!rng.chance(p)) return null;
  const cat = (designatedNow ? CAT_DESIGNATED : bad ? CAT_BAD_TECH : CAT_GENERAL).pick(rng);
  return { cat, verified: cat === CI('overcharge') ? rng.chance(0.15) : rng.chance(designatedNow ? 0.92 : 0.7) };
}

/** complaints with no ticket: callers give only technician or outlet */
export function complaintsWithoutTicket(ctx: SampleContext, file: ComplaintFile, month: TicketMonth): void {
  const { rng, outlets } = ctx;
  const expNoTicket = 0.0008 * month.tickets;
  const nNoTicket = Math.floor(expNoTicket) + (rng.next() < expNoTicket - Math.floor(expNoTicket) ? 1 : 0);
  for (let n = 0; n < nNoTicket; n++) {
    const cat = CAT_NO_TICKET.pick(rng);
    const code = (COMPLAINT_CATS[cat] as ComplaintCat).code;
    const at = month.startMin + rng.int(0, month.days - 1) * MIN_PER_DAY + rng.int(480, 1200);
    const t = month.techPick.empty ? null : month.techPick.pick(rng);
    const techGiven = t !== null && (code === 'service_attitude' || code === 'untimely');
    const outletId = t ? outlets[t.outlet]!.id : outlets[0]!.id;
    const resp: Resp = techGiven ? 'technician' : (RESP_PICK[code] as Weighted<Resp>).pick(rng);
    const resolved = rng.chance(0.8) ? at + rng.int(MIN_PER_DAY, 7 * MIN_PER_DAY) : -1;
    writeComplaint(ctx, file, { ticketId: '', techId: techGiven && t ? t.id : '', outletId, at, cat, resp, verified: rng.chance(0.6), resolved });
  }
}

/** complaints about tickets from before the export period, which the loader must flag */
export function writeOrphanComplaints(ctx: SampleContext, file: ComplaintFile): void {
  const { messRng, techs, outlets } = ctx;
  const prevYm = ctx.cal.compactMonthKey(-1);
  for (let n = 0; n < 3; n++) {
    const t = techs[Math.floor(messRng.next() * techs.length)] as Tech;
    const ticketId = 'GD' + prevYm + padN(messRng.int(1000, 9999), 6);
    const at = ctx.firstDay * MIN_PER_DAY + messRng.int(0, 4) * MIN_PER_DAY + messRng.int(480, 1200);
    const line = file.out.nextLine;
    const id = writeComplaint(ctx, file, {
      ticketId,
      techId: t.id,
      outletId: outlets[t.outlet]!.id,
      at,
      cat: CI(n === 1 ? 'untimely' : 'service_attitude'),
      resp: 'technician',
      verified: true,
      resolved: at + 2 * MIN_PER_DAY,
    });
    ctx.messRows.push({ file: file.out.file, line, kind: 'complaints', key: id, column: '工单号', problem: 'orphan', value: ticketId, note: 'complaint about a ticket outside the export' });
  }
}

function complaintId(ctx: SampleContext, file: ComplaintFile, at: number): string {
  const ym = ctx.cal.of(at).monthKey.replace('-', '');
  const n = (file.seqByMonth.get(ym) ?? 0) + 1;
  file.seqByMonth.set(ym, n);
  return 'TS' + ym + padN(n, 5);
}

/**
 * One complaint's row; returns its id. The planned bad resolution time goes on the first complaint
 * from its month on that blames neither technician nor outlet, so that no penalty moves.
 */
function writeComplaint(ctx: SampleContext, file: ComplaintFile, c: Complaint): string {
  const { cal } = ctx;
  const id = complaintId(ctx, file, c.at);
  const f: string[] = [
    id,
    c.ticketId,
    c.techId,
    c.outletId,
    cal.fmt(c.at, 'std'),
    (COMPLAINT_CATS[c.cat] as ComplaintCat).zh,
    RESP_ZH[c.resp],
    c.verified ? '是' : '否',
    cal.fmt(c.resolved, 'std'),
  ];
  const mess = ctx.plan.complaint;
  if (!mess.done && c.resp !== 'technician' && c.resp !== 'outlet' && cal.of(c.at).monthIdx >= mess.month) {
    mess.done = true;
    f[8] = BAD_TS;
    ctx.messRows.push({ file: file.out.file, line: file.out.nextLine, kind: 'complaints', key: id, column: '结案时间', problem: 'bad_timestamp', value: BAD_TS, note: `unparseable resolution time (responsible ${RESP_ZH[c.resp]})` });
  }
  file.out.add(joinInOrder(f, file.order, ''));
  return id;
}
