/**
 * Service tickets (工单): how many each month and day, what happens to each one (technician,
 * product, appointment, visit, completion, fees, the rare fault that makes a late visit or an
 * overcharge) and how it is written to its month's export, with the ticket mess rows (bad
 * timestamps, unknown service type, short rows, duplicates).
 * Owns the tickets and their monthly files. Imports only siblings.
 */
import { MIN_PER_DAY, padN, rowTimestampStyle, type Calendar, type TsStyle } from './calendar.ts';
import type { SampleContext } from './context.ts';
import { BAD_ENUM, BAD_TS, BAD_TS_2, type TicketMess, type TicketMessKind } from './mess.ts';
import { Fault, OverchargeQueue, type PlannedOvercharge } from './conduct.ts';
import { activeTechnicians, type Outlet, type Tech } from './people.ts';
import { newProduct, sameProduct, spellPhone, type Product, type ReturnVisit } from './products.ts';
import { apportion, Weighted, type Rng } from './random.ts';
import { headerInOrder, joinInOrder, type CsvWriter } from './writers.ts';

// ---------------------------------------------------------------------------
// Vocabulary

export const SvcType = { Repair: 0, Install: 1, Maintenance: 2, Consultation: 3 } as const;
export type SvcType = (typeof SvcType)[keyof typeof SvcType];
const SVC_ZH = ['维修', '安装', '保养', '咨询'] as const;
const SVC_PICK = new Weighted<SvcType>([SvcType.Repair, SvcType.Install, SvcType.Maintenance, SvcType.Consultation], [55, 35, 7, 3]);
const CATEGORIES = ['空调', '冰箱', '洗衣机', '热水器', '电视', '厨电'] as const;
const CAT_BY_TYPE = [
  new Weighted(CATEGORIES, [25, 20, 20, 15, 10, 10]),
  new Weighted(CATEGORIES, [40, 8, 12, 20, 10, 10]),
  new Weighted(CATEGORIES, [45, 10, 15, 15, 0, 15]),
  new Weighted(CATEGORIES, [20, 20, 20, 15, 15, 10]),
];
/** service duration on site, minutes [lo, hi] */
const DURATION: ReadonlyArray<readonly [number, number]> = [
  [20, 150],
  [40, 180],
  [30, 120],
  [20, 60],
];

export const Status = { Completed: 0, Cancelled: 1, Open: 2 } as const;
export type Status = (typeof Status)[keyof typeof Status];

/** a two-hour window, a start time only, or no appointment at all */
const Booking = { Window: 0, StartOnly: 1, None: 2 } as const;
type Booking = (typeof Booking)[keyof typeof Booking];

const SLOTS = [480, 600, 720, 840, 960, 1080]; // window starts 08:00 .. 18:00
const HOUR_PICK = new Weighted([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19], [5, 9, 10, 9, 6, 6, 8, 8, 7, 6, 4, 2]);
/** relative demand by calendar month: air conditioners make the summer peak */
const SEASON = [0.8, 0.7, 0.85, 0.95, 1.1, 1.3, 1.4, 1.3, 1.0, 0.9, 0.85, 0.85];

// Headers -------------------------------------------------------------------

const T_COLS = [
  '工单号', '网点编号', '工程师工号', '服务类型', '产品品类', '机身条码', '受理时间', '预约开始时间', '预约结束时间',
  '原预约开始时间', '原预约结束时间', '改约时间', '上门时间', '完工时间', '工单状态', '实收金额', '标准收费',
  '联系电话', '更新时间',
] as const;
/** each column's place in T_COLS, the canonical order the row's cells are built in */
const Col = {
  id: 0, outlet: 1, technician: 2, serviceType: 3, category: 4, serial: 5, created: 6, appointmentStart: 7,
  appointmentEnd: 8, originalStart: 9, originalEnd: 10, rescheduled: 11, arrived: 12, completed: 13, status: 14,
  charged: 15, standardFee: 16, phone: 17, updated: 18,
} as const;
const T_ALT: Record<string, string> = {
  工单号: '工单编号',
  网点编号: '网点代码',
  工程师工号: '师傅工号',
  受理时间: '报修时间',
  上门时间: '到达时间',
  完工时间: '完成时间',
  工单状态: '状态',
  实收金额: '收费金额',
  标准收费: '应收金额',
  联系电话: '用户电话',
};
const T_ALT2: Record<string, string> = { ...T_ALT, 产品品类: '品类', 机身条码: '产品条码', 受理时间: '创建时间', 上门时间: '签到时间' };
const T_ORDER_A = [6, 0, 14, 3, 4, 5, 1, 2, 7, 8, 12, 13, 9, 10, 11, 16, 15, 17, 18];
// a system that added the serial column last
const T_ORDER_B = [0, 17, 1, 2, 14, 3, 4, 6, 13, 12, 7, 8, 11, 9, 10, 15, 16, 18, 5];

/** how one month's ticket export is spelled */
interface TicketProfile {
  headers: string[];
  order: number[] | null; // null: canonical order; -1 marks the extra column
  extraHeader: string | null;
  gbk: boolean;
  variants: boolean;
}

/** month by month a different system version: aliased headers, shuffled or extra columns, one GBK month */
function ticketProfile(i: number, formats: boolean, gbkIdx: number): TicketProfile {
  if (!formats) return { headers: [...T_COLS], order: null, extraHeader: null, gbk: false, variants: false };
  const alias = i % 3 === 1 ? (i === 1 ? T_ALT2 : T_ALT) : null;
  const headers = T_COLS.map((h) => (alias ? (alias[h] ?? h) : h));
  let order: number[] | null = null;
  let extraHeader: string | null = null;
  if (i === 3) order = [...T_ORDER_A];
  else if (i === 9) order = [...T_ORDER_B];
  if (i === 2 || i === 8) {
    extraHeader = '备注信息';
    order = T_COLS.map((_, k) => k);
    if (i === 2) order.splice(Col.charged, 0, -1);
    else order.push(-1);
  }
  return { headers, order, extraHeader, gbk: i === gbkIdx, variants: i !== gbkIdx };
}

// ---------------------------------------------------------------------------
// Months and days

/** the whole period's tickets split over its months by season */
export function ticketsPerMonth(cal: Calendar, months: number, tickets: number): number[] {
  const monthWeights: number[] = [];
  for (let i = 0; i < months; i++) {
    const [, m] = cal.ym(i);
    monthWeights.push(1 + 0.35 * ((SEASON[m - 1] as number) - 1));
  }
  return apportion(tickets, monthWeights);
}

interface PendingDuplicate {
  line: string;
  key: string;
  /** sequence number after which the copy is written */
  at: number;
  origLine: number;
}

/** one month of ticket creation: its days, its working technicians and its export file */
export interface TicketMonth {
  idx: number;
  key: string; // 2026-03
  ym: string; // 202603
  startDay: number;
  days: number;
  startMin: number;
  lengthMin: number;
  last: boolean;
  active: Tech[];
  techPick: Weighted<Tech>;
  tickets: number;
  perDay: number[];
  profile: TicketProfile;
  header: readonly string[];
  out: CsvWriter;
  plainMoney: boolean;
  mess: TicketMess[];
  overcharges: OverchargeQueue;
  duplicate: PendingDuplicate | null;
  /** tickets created so far this month */
  seq: number;
}

export function openTicketMonth(ctx: SampleContext, idx: number, tickets: number): TicketMonth {
  const { cal, run } = ctx;
  const key = cal.monthKey(idx);
  const profile = ticketProfile(idx, run.formats, ctx.gbkIdx);
  const header = headerInOrder(profile.headers, profile.order, profile.extraHeader);
  const out = ctx.outputs.csv(`工单_${key}.csv`, 'tickets', header, profile.gbk);
  const { active, weights } = activeTechnicians(ctx.techs, idx);
  const startDay = cal.monthStartDay(idx);
  const days = cal.monthStartDay(idx + 1) - startDay;
  return {
    idx,
    key,
    ym: cal.compactMonthKey(idx),
    startDay,
    days,
    startMin: startDay * MIN_PER_DAY,
    lengthMin: days * MIN_PER_DAY,
    last: idx === run.months - 1,
    active,
    techPick: new Weighted(active, weights),
    tickets,
    perDay: apportion(tickets, weekdayWeights(cal, startDay, days)),
    profile,
    header,
    out,
    // the GBK system writes plain amounts only
    plainMoney: !run.formats || profile.gbk,
    mess: ctx.plan.tickets.filter((m) => m.month === idx),
    overcharges: new OverchargeQueue(ctx.overcharges, idx),
    duplicate: null,
    seq: 0,
  };
}

/** fewer tickets at weekends */
function weekdayWeights(cal: Calendar, startDay: number, days: number): number[] {
  const dayWeights: number[] = [];
  for (let d = 0; d < days; d++) {
    const dow = cal.day(startDay + d).dow;
    dayWeights.push(dow === 0 ? 0.75 : dow === 6 ? 0.85 : 1);
  }
  return dayWeights;
}

/** creation times of day `d`'s tickets, in order */
export function drawCreationTimes(rng: Rng, month: TicketMonth, d: number): Int32Array {
  const k = month.perDay[d] as number;
  const dayMin = (month.startDay + d) * MIN_PER_DAY;
  const times = new Int32Array(k);
  for (let j = 0; j < k; j++) times[j] = dayMin + HOUR_PICK.pick(rng) * 60 + Math.floor(rng.next() * 60);
  times.sort();
  return times;
}

// ---------------------------------------------------------------------------
// The life of one ticket (every time in minutes; -1: none)

interface Appointment {
  booking: Booking;
  start: number;
  end: number;
  originalStart: number;
  originalEnd: number;
  rescheduledAt: number;
}

export interface Ticket {
  id: string;
  seq: number;
  created: number;
  tech: Tech | null;
  outlet: Outlet;
  type: SvcType;
  product: Product;
  status: Status;
  appointment: Appointment;
  arrived: number;
  completed: number;
  /** the visit's penalty-worthy fault (None nearly always); a late visit also sets `late` */
  fault: Fault;
  /** arrived after the window, or the appointment moved too late: the revisit's on-time answer is no */
  late: boolean;
  standardFee: number; // cents
  charged: number; // cents
  /** charged above the standard fee (planned, rare) */
  overcharged: boolean;
  /** the planned overcharge draws a complaint, found true, for sure */
  overchargeComplaint: boolean;
  updated: number;
  techCell: string;
}

/** share of tickets that record the product serial, by service type: installs register it, calls seldom have it */
const SERIAL_SHARE = [0.86, 0.95, 0.85, 0.4];

/** the next ticket of the month, created at `created`; every draw on the data stream, in a fixed order */
export function simulateTicket(ctx: SampleContext, month: TicketMonth, created: number): Ticket {
  const { rng, conduct } = ctx;
  const seq = ++month.seq;
  const type = SVC_PICK.pick(rng);
  const back = type === SvcType.Repair ? ctx.products.returnVisit(rng, created) : null;
  const tech = drawTechnician(rng, month, back);
  const outletIdx = tech ? tech.outlet : back ? back.earlier.outlet : Math.floor(rng.next() * ctx.outlets.length);
  const product = back ? sameProduct(rng, back.earlier.product) : newProduct(rng, (CAT_BY_TYPE[type] as Weighted<string>).pick(rng), SERIAL_SHARE[type] as number);
  const drawnStatus = drawStatus(rng, month, created);
  const drawnFault = drawnStatus === Status.Completed ? conduct.drawFault(rng, tech, month.idx) : Fault.None;
  const appointment = drawAppointment(rng, type, created, drawnFault === Fault.Late);
  const visit = drawVisit(rng, ctx.cutoff, drawnStatus, type, appointment, created, drawnFault === Fault.Late);
  const overcharge = takeOvercharge(ctx, month, seq, tech, visit.status, drawnFault);
  const ticket: Ticket = {
    id: 'GD' + month.ym + padN(seq, 6),
    seq,
    created,
    tech,
    outlet: ctx.outlets[outletIdx] as Outlet,
    type,
    product,
    appointment,
    ...visit,
    fault: overcharge?.kind === 'revisit' ? Fault.ChargedOverStandard : drawnFault,
    ...drawFees(rng, visit.status, type, overcharge?.kind === 'fee'),
    overchargeComplaint: overcharge?.complaint ?? false,
    updated: drawUpdated(rng, visit.status, visit.completed, created),
    techCell: drawTechCell(rng, visit.status, tech),
  };
  if (ticket.status === Status.Completed) ctx.products.add(rng, { product, completed: ticket.completed, tech, outlet: outletIdx });
  return ticket;
}

/** the planned overcharge due on this completed ticket without another fault, recorded against its technician */
function takeOvercharge(ctx: SampleContext, month: TicketMonth, seq: number, tech: Tech | null, status: Status, fault: Fault): PlannedOvercharge | null {
  if (status !== Status.Completed || fault !== Fault.None) return null;
  const due = month.overcharges.take(seq, month.tickets, tech);
  if (due !== null) ctx.conduct.record(tech as Tech, month.idx);
  return due;
}

/** a return visit goes to the technician of the first one about half the time, when he still works there */
function drawTechnician(rng: Rng, month: TicketMonth, back: ReturnVisit | null): Tech | null {
  if (month.techPick.empty) return null;
  const first = back?.earlier.tech ?? null;
  if (first !== null && first.start <= month.idx && month.idx <= first.end && rng.chance(0.5)) return first;
  return month.techPick.pick(rng);
}

/** open tickets pile up towards the end of the last month: the export caught them unfinished */
function drawStatus(rng: Rng, month: TicketMonth, created: number): Status {
  const x = (created - month.startMin) / month.lengthMin;
  const pOpen = month.last ? 0.02 + 1.2 * x * x * x : 0.004;
  const rs = rng.next();
  return rs < 0.04 ? Status.Cancelled : rs < 0.04 + pOpen ? Status.Open : Status.Completed;
}

/** `late`: the visit is going to be late; a quarter of such windows are moved with too little notice */
function drawAppointment(rng: Rng, type: SvcType, c: number, late: boolean): Appointment {
  const ra = rng.next();
  const booking: Booking =
    type === SvcType.Consultation
      ? ra < 0.3 ? Booking.Window : Booking.None
      : ra < 0.9 ? Booking.Window : ra < 0.95 ? Booking.StartOnly : ra < 0.98 ? Booking.None : Booking.Window;
  const ap: Appointment = { booking, start: -1, end: -1, originalStart: -1, originalEnd: -1, rescheduledAt: -1 };
  if (booking !== Booking.None) {
    ap.start = drawWindowStart(rng, c);
    if (booking === Booking.Window) ap.end = ap.start + 120;
  }
  if (booking === Booking.Window && (rng.chance(0.065) || (late && rng.chance(0.25)))) reschedule(rng, ap, c, late);
  return ap;
}

/** a slot up to three days ahead, at least an hour after the call */
function drawWindowStart(rng: Rng, c: number): number {
  const rd = rng.next();
  const dayOff = rd < 0.3 ? 0 : rd < 0.7 ? 1 : rd < 0.9 ? 2 : 3;
  let s = (Math.floor(c / MIN_PER_DAY) + dayOff) * MIN_PER_DAY + rng.pick(SLOTS);
  while (s < c + 60) {
    s += 120;
    if (s % MIN_PER_DAY > 1080) s = (Math.floor(s / MIN_PER_DAY) + 1) * MIN_PER_DAY + (SLOTS[rng.int(0, 2)] as number);
  }
  return s;
}

/**
 * The window moved a day or two. A late visit's move came one minute short of the 20-minute
 * notice or after the original window had passed; a few others right at the limit: the
 * reschedule rule's edges.
 */
function reschedule(rng: Rng, ap: Appointment, c: number, late: boolean): void {
  ap.originalStart = ap.start;
  ap.originalEnd = ap.end;
  let ns = ap.originalStart + MIN_PER_DAY * rng.int(1, 2) + 120 * rng.int(-1, 1);
  if (ns % MIN_PER_DAY > 1080) ns -= 240;
  if (ns % MIN_PER_DAY < 480) ns += 240;
  ap.start = ns;
  ap.end = ns + 120;
  const rr = rng.next();
  if (late) ap.rescheduledAt = rr < 0.5 ? ap.originalEnd - 19 : ap.originalEnd + rng.int(10, 240);
  else if (rr < 0.02) ap.rescheduledAt = ap.originalEnd - 20;
  else ap.rescheduledAt = rng.int(Math.max(c + 5, ap.originalStart - 1800), Math.max(c + 5, ap.originalStart - 60));
}

/** arrival and completion; a completion after the export cut-off leaves the ticket open */
function drawVisit(
  rng: Rng,
  cutoff: number,
  drawnStatus: Status,
  type: SvcType,
  ap: Appointment,
  c: number,
  lateFault: boolean,
): { status: Status; arrived: number; completed: number; late: boolean } {
  let status = drawnStatus;
  let arrived = -1;
  let completed = -1;
  let late = false;
  if (status === Status.Completed) {
    ({ arrived, late } = drawArrival(rng, type, ap, c, lateFault));
    if (arrived >= 0 && rng.chance(0.015)) arrived = -1; // missing check-in
    const [dlo, dhi] = DURATION[type] as readonly [number, number];
    const base = arrived >= 0 ? arrived : ap.start >= 0 ? ap.start + rng.int(0, 100) : c + rng.int(10, 180);
    completed = base + rng.int(dlo, dhi);
    if (completed >= cutoff) {
      status = Status.Open;
      completed = -1;
      if (arrived >= cutoff) arrived = -1;
    }
  } else if (status === Status.Open && ap.start >= 0 && ap.start < cutoff && rng.chance(0.4)) {
    arrived = ap.start + rng.int(0, 110);
    if (arrived >= cutoff) arrived = -1;
  }
  return { status, arrived, completed, late };
}

/** within the window unless the visit is a late one (after it, or moved without notice); unbooked visits come within a day */
function drawArrival(rng: Rng, type: SvcType, ap: Appointment, c: number, lateFault: boolean): { arrived: number; late: boolean } {
  let arrived = -1;
  let late = false;
  if (ap.booking === Booking.Window) {
    const movedWithoutNotice = ap.rescheduledAt >= 0 && ap.rescheduledAt > ap.originalEnd - 20;
    if (lateFault && !movedWithoutNotice) {
      arrived = ap.end + rng.int(5, 120);
      late = true;
    } else if (rng.chance(0.03)) arrived = ap.start - rng.int(5, 40);
    else arrived = ap.start + rng.int(0, 115);
    if (movedWithoutNotice) late = true;
  } else if (ap.booking === Booking.StartOnly) {
    if (lateFault) {
      arrived = ap.start + rng.int(1, 60);
      late = true;
    } else arrived = ap.start - rng.int(0, 40);
  } else if (type !== SvcType.Consultation) {
    arrived = c + rng.int(90, 1440);
  }
  return { arrived, late };
}

/** the standard fee by service; completed tickets now and then discounted, or (`overcharge`) charged over it */
function drawFees(rng: Rng, status: Status, type: SvcType, overcharge: boolean): { standardFee: number; charged: number; overcharged: boolean } {
  let std = -1;
  let charged = -1;
  if (status !== Status.Cancelled) {
    if (type === SvcType.Install) std = rng.chance(0.7) ? 0 : rng.int(5, 30) * 1000;
    else if (type === SvcType.Repair) std = rng.int(10, 80) * 500;
    else if (type === SvcType.Maintenance) std = rng.int(8, 20) * 1000;
    else std = 0;
    if (status === Status.Completed) {
      if (overcharge) charged = std + rng.int(2, 20) * 1000;
      else if (std > 0 && rng.chance(0.015)) charged = Math.round((std * (0.7 + 0.2 * rng.next())) / 100) * 100;
      else charged = std;
    }
  }
  return { standardFee: std, charged, overcharged: overcharge };
}

function drawUpdated(rng: Rng, status: Status, completed: number, c: number): number {
  if (status === Status.Completed) return rng.chance(0.92) ? completed + rng.int(5, 2880) : -1;
  if (status === Status.Cancelled) return c + rng.int(30, 4320);
  return rng.chance(0.5) ? c + rng.int(5, 600) : -1;
}

/** cancelled and open tickets often have no technician assigned yet */
function drawTechCell(rng: Rng, status: Status, tech: Tech | null): string {
  if (status === Status.Cancelled && rng.chance(0.5)) return '';
  if (status === Status.Open && rng.chance(0.3)) return '';
  return tech ? tech.id : '';
}

// ---------------------------------------------------------------------------
// The ticket's row

export function writeTicketRow(ctx: SampleContext, month: TicketMonth, t: Ticket): void {
  const statusCell = ticketStatusCell(ctx, t);
  const fields = ticketFields(ctx, month, t, statusCell);
  const extra = extraTicketCell(ctx.spellingRng, month.profile);
  month.out.add(applyTicketMess(ctx, month, t, fields, extra));
  if (month.duplicate !== null && t.seq >= month.duplicate.at) writePendingDuplicate(ctx, month);
}

function ticketStatusCell(ctx: SampleContext, t: Ticket): string {
  if (t.status === Status.Completed) {
    ctx.statusCount.completed++;
    const r = ctx.spellingRng.next();
    return r < 0.95 ? '已完成' : r < 0.99 ? '完工' : 'completed';
  }
  if (t.status === Status.Cancelled) {
    ctx.statusCount.cancelled++;
    return '已取消';
  }
  ctx.statusCount.open++;
  return t.arrived >= 0 ? '处理中' : '待处理';
}

/** the row's cells in canonical (T_COLS) order */
function ticketFields(ctx: SampleContext, month: TicketMonth, t: Ticket, statusCell: string): string[] {
  const { cal, spellingRng } = ctx;
  const style: TsStyle = month.profile.gbk ? 'slash' : rowTimestampStyle(spellingRng, month.profile.variants);
  const ap = t.appointment;
  const f: string[] = new Array<string>(T_COLS.length);
  f[Col.id] = t.id;
  f[Col.outlet] = t.outlet.id;
  f[Col.technician] = t.techCell;
  f[Col.serviceType] = SVC_ZH[t.type];
  f[Col.category] = t.product.category;
  f[Col.serial] = t.product.serial;
  f[Col.created] = cal.fmt(t.created, style);
  f[Col.appointmentStart] = cal.fmt(ap.start, style);
  f[Col.appointmentEnd] = cal.fmt(ap.end, style);
  f[Col.originalStart] = cal.fmt(ap.originalStart, style);
  f[Col.originalEnd] = cal.fmt(ap.originalEnd, style);
  f[Col.rescheduled] = cal.fmt(ap.rescheduledAt, style);
  f[Col.arrived] = cal.fmt(t.arrived, style);
  f[Col.completed] = cal.fmt(t.completed, style);
  f[Col.status] = statusCell;
  f[Col.charged] = money(spellingRng, t.charged, month.plainMoney);
  f[Col.standardFee] = money(spellingRng, t.standardFee, true);
  // systems differ in how they store a phone: the same customer in several spellings
  f[Col.phone] = ctx.run.formats ? spellPhone(spellingRng, t.product.phone) : t.product.phone;
  f[Col.updated] = cal.fmt(t.updated, style);
  return f;
}

/** an amount in yuan; a few round amounts spelled with ¥ or 元 */
function money(spellingRng: Rng, cents: number, plainOnly: boolean): string {
  if (cents < 0) return '';
  const plain = (cents / 100).toFixed(2);
  if (plainOnly) return plain;
  const r = spellingRng.next();
  if (r < 0.006 && cents % 100 === 0) return '¥' + cents / 100;
  if (r < 0.012 && cents % 100 === 0) return cents / 100 + '元';
  return plain;
}

function extraTicketCell(spellingRng: Rng, profile: TicketProfile): string {
  if (profile.extraHeader === null) return '';
  const r = spellingRng.next();
  return r < 0.03 ? '用户要求周末上门' : r < 0.05 ? '"已电话联系,用户不在家"' : r < 0.06 ? '需带梯子' : '';
}

/**
 * The row's line, spoilt when a planned mess entry is due: damage goes on cancelled tickets only
 * (so that the KPIs do not move), duplicates copy a completed ticket a few rows later.
 */
function applyTicketMess(ctx: SampleContext, month: TicketMonth, t: Ticket, f: string[], extra: string): string {
  const line = joinInOrder(f, month.profile.order, extra);
  for (const m of month.mess) {
    if (m.done || t.seq < Math.max(1, Math.floor(m.pos * month.tickets))) continue;
    if (m.kind === 'dup') {
      if (t.status !== Status.Completed || month.duplicate !== null) continue;
      m.done = true;
      month.duplicate = { line, key: t.id, at: t.seq + m.gap, origLine: month.out.nextLine };
      return line;
    }
    if (t.status !== Status.Cancelled) continue;
    m.done = true;
    return spoilCancelledTicket(ctx, month, t, m.kind, f, extra, line);
  }
  return line;
}

function spoilCancelledTicket(
  ctx: SampleContext,
  month: TicketMonth,
  t: Ticket,
  kind: Exclude<TicketMessKind, 'dup'>,
  f: string[],
  extra: string,
  line: string,
): string {
  const { profile, out } = month;
  const at = { file: out.file, line: out.nextLine, kind: 'tickets' as const, key: t.id };
  if (kind === 'bad_created' || kind === 'bad_updated') {
    const ci = kind === 'bad_created' ? Col.created : Col.updated;
    const v = kind === 'bad_created' ? BAD_TS : BAD_TS_2;
    f[ci] = v;
    ctx.messRows.push({ ...at, column: profile.headers[ci] as string, problem: 'bad_timestamp', value: v, note: 'cancelled ticket with an unparseable timestamp' });
    return joinInOrder(f, profile.order, extra);
  }
  if (kind === 'enum') {
    f[Col.serviceType] = BAD_ENUM;
    ctx.messRows.push({ ...at, column: profile.headers[Col.serviceType] as string, problem: 'unknown_enum', value: BAD_ENUM, note: 'cancelled ticket with an unknown service type' });
    return joinInOrder(f, profile.order, extra);
  }
  ctx.messRows.push({ ...at, column: null, problem: 'wrong_column_count', value: `6 of ${month.header.length} fields`, note: 'cancelled ticket row cut short' });
  return line.split(',').slice(0, 6).join(',');
}

/** the planned exact copy of an earlier row; also at the month's end when the month ran out first */
export function writePendingDuplicate(ctx: SampleContext, month: TicketMonth): void {
  const d = month.duplicate;
  if (d === null) return;
  ctx.messRows.push({ file: month.out.file, line: month.out.nextLine, kind: 'tickets', key: d.key, column: null, problem: 'duplicate_key', value: d.key, note: `exact copy of line ${d.origLine}` });
  month.out.add(d.line);
  month.duplicate = null;
}
