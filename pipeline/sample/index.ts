/**
 * Seeded, deterministic generator of realistic after-sales service exports.
 *
 * Produces the monthly exports the pipeline reads (tickets 工单, revisits 回访,
 * complaints 投诉, manual violations 违规, technician and outlet reference data)
 * with the format variety real service systems show: GBK and UTF-8 files,
 * Chinese header aliases, shuffled and extra columns, mixed timestamp, boolean,
 * money and satisfaction spellings. With `mess` a handful of deliberately bad
 * rows is injected at deterministic positions; the summary lists them exactly.
 *
 * Generation runs month by month and writes through buffered streams, so the
 * same function scales to millions of tickets without holding rows in memory.
 * Same options and seed: byte-identical files.
 *
 * Usage: tsx pipeline/sample/index.ts [--out data/sample] [--tickets 24000]
 *        [--seed 20261] [--technicians 60] [--outlets 10] [--first-month 2025-11]
 *        [--months 12] [--no-mess] [--no-formats]
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';

// ---------------------------------------------------------------------------
// Public types

export interface GenerateSampleOptions {
  outDir: string;
  seed?: number;
  tickets?: number;
  technicians?: number;
  outlets?: number;
  /** first month of ticket creation, 'YYYY-MM' */
  firstMonth?: string;
  months?: number;
  /** inject the rare bad rows (orphans, bad timestamps, duplicates, ...) */
  mess?: boolean;
  /** vary encodings, header aliases, column order, timestamp forms, xlsx */
  formats?: boolean;
}

export type SampleKind =
  | 'tickets'
  | 'revisits'
  | 'complaints'
  | 'violations'
  | 'technicians'
  | 'outlets'
  | 'unrecognised';

export interface SampleFile {
  file: string;
  kind: SampleKind;
  /** data rows (header excluded), mess rows included */
  rows: number;
  encoding: 'utf-8' | 'gbk' | 'xlsx';
  bom: boolean;
  bytes: number;
}

export type MessProblem =
  | 'bad_timestamp'
  | 'unknown_enum'
  | 'duplicate_key'
  | 'wrong_column_count'
  | 'missing_required'
  | 'orphan';

export interface MessRow {
  file: string;
  /** physical line in the file (header is line 1) */
  line: number;
  kind: SampleKind;
  key: string;
  /** header of the affected column as written in the file (null: whole row) */
  column: string | null;
  problem: MessProblem;
  value: string;
  note: string;
}

export interface SampleSummary {
  outDir: string;
  seed: number;
  firstMonth: string;
  months: number;
  mess: boolean;
  formats: boolean;
  files: SampleFile[];
  rows: Record<SampleKind, number>;
  tickets: { completed: number; cancelled: number; open: number };
  mess_rows: MessRow[];
}

export const DEFAULTS = {
  seed: 20261,
  tickets: 24000,
  technicians: 60,
  outlets: 10,
  firstMonth: '2025-11',
  months: 12,
} as const;

// ---------------------------------------------------------------------------
// Seeded randomness

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** mulberry32: float in [0, 1) */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** integer in [lo, hi] */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.next() * a.length)] as T;
  }
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const x = a[i] as T;
      a[i] = a[j] as T;
      a[j] = x;
    }
    return a;
  }
}

class Weighted<T> {
  private readonly cum: Float64Array;
  private readonly total: number;
  private readonly items: readonly T[];
  constructor(items: readonly T[], weights: readonly number[]) {
    this.items = items;
    this.cum = new Float64Array(weights.length);
    let s = 0;
    for (let i = 0; i < weights.length; i++) {
      s += weights[i] ?? 0;
      this.cum[i] = s;
    }
    this.total = s;
  }
  get empty(): boolean {
    return this.total <= 0;
  }
  pick(rng: Rng): T {
    const x = rng.next() * this.total;
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cum[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo] as T;
  }
}

/** split `total` into integer parts proportional to weights (largest remainder) */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0 || weights.length === 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map((x) => Math.floor(x));
  let rest = total - out.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => ({ i, r: x - Math.floor(x) }))
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; rest > 0; k = (k + 1) % order.length, rest--) {
    const i = (order[k] as { i: number }).i;
    out[i] = (out[i] as number) + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Naive local time as integer minutes since 1970-01-01 00:00

const MIN_PER_DAY = 1440;

function dayOf(y: number, m: number, d: number): number {
  return Math.round(Date.UTC(y, m - 1, d) / 86_400_000);
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

const ZEROS = '0000000000';
function padN(n: number, width: number): string {
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

const HHMM: string[] = [];
const H_MM: string[] = [];
for (let m = 0; m < MIN_PER_DAY; m++) {
  const h = Math.floor(m / 60);
  HHMM.push(pad2(h) + ':' + pad2(m % 60));
  H_MM.push(h + ':' + pad2(m % 60));
}

type TsStyle = 'std' | 'iso' | 'nosec' | 'slash';

class Calendar {
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
  monthStartDay(idx: number): number {
    const [y, m] = this.ym(idx);
    return dayOf(y, m, 1);
  }
}

// ---------------------------------------------------------------------------
// Buffered CSV output (CRLF, optional BOM, UTF-8 or GBK)

const FLUSH_AT = 1 << 18;

class CsvOut {
  rows = 0;
  private buf: string;
  private readonly stream: WriteStream;
  private error: Error | null = null;
  readonly file: string;
  readonly kind: SampleKind;
  readonly encoding: 'utf-8' | 'gbk';
  readonly bom: boolean;
  private readonly onFull: () => void;
  constructor(
    dir: string,
    file: string,
    kind: SampleKind,
    encoding: 'utf-8' | 'gbk',
    bom: boolean,
    header: string,
    onFull: () => void,
  ) {
    this.file = file;
    this.kind = kind;
    this.encoding = encoding;
    this.bom = bom;
    this.onFull = onFull;
    this.stream = createWriteStream(path.join(dir, file), { highWaterMark: 1 << 20 });
    this.stream.on('error', (e: Error) => {
      this.error = e;
    });
    this.buf = (bom ? '\uFEFF' : '') + header + '\r\n';
  }
  /** physical line number the next data row gets */
  get nextLine(): number {
    return this.rows + 2;
  }
  add(line: string): void {
    this.buf += line;
    this.buf += '\r\n';
    this.rows++;
    if (this.buf.length >= FLUSH_AT) this.onFull();
  }
  get full(): boolean {
    return this.buf.length >= FLUSH_AT;
  }
  async flush(): Promise<void> {
    if (this.error) throw this.error;
    if (this.buf.length === 0) return;
    const chunk = this.encoding === 'gbk' ? iconv.encode(this.buf, 'gbk') : Buffer.from(this.buf, 'utf8');
    this.buf = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
  async close(): Promise<SampleFile> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    if (this.error) throw this.error;
    return {
      file: this.file,
      kind: this.kind,
      rows: this.rows,
      encoding: this.encoding,
      bom: this.bom,
      bytes: this.stream.bytesWritten,
    };
  }
}

/** quote a free-text CSV field when needed */
function q(s: string): string {
  if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
  return '"' + s.replace(/"/g, '""') + '"';
}

// ---------------------------------------------------------------------------
// Vocabulary

const CITIES = [
  { name: '青岛', prov: '37', districts: ['市南', '崂山', '黄岛', '城阳', '李沧'] },
  { name: '济南', prov: '37', districts: ['历下', '槐荫', '历城', '天桥'] },
  { name: '合肥', prov: '34', districts: ['蜀山', '包河', '庐阳', '瑶海'] },
  { name: '佛山', prov: '44', districts: ['顺德', '南海', '禅城', '三水'] },
  { name: '郑州', prov: '41', districts: ['金水', '二七', '中原', '管城'] },
] as const;

type Tier = 'service_center' | 'repair_shop' | 'authorized';
const TIER_ZH: Record<Tier, string> = {
  service_center: '服务中心',
  repair_shop: '专修部',
  authorized: '特约维修点',
};
const TIER_NAME_SUFFIX: Record<Tier, string> = {
  service_center: '服务中心',
  repair_shop: '家电专修部',
  authorized: '特约维修点',
};
const TIER_TECH_WEIGHT: Record<Tier, number> = { service_center: 3, repair_shop: 2, authorized: 1.5 };

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '高', '罗', '郑', '梁', '宋', '谢'];
const GIVEN = ['伟', '强', '磊', '军', '勇', '杰', '涛', '斌', '超', '明', '刚', '平', '辉', '鹏', '华', '飞', '鑫', '波', '宇', '浩', '凯', '健', '俊', '帆', '亮', '建', '国', '志', '海', '峰'];

const SvcType = { Repair: 0, Install: 1, Maintenance: 2, Consultation: 3 } as const;
type SvcType = (typeof SvcType)[keyof typeof SvcType];
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

const Status = { Completed: 0, Cancelled: 1, Open: 2 } as const;
type Status = (typeof Status)[keyof typeof Status];

const SLOTS = [480, 600, 720, 840, 960, 1080]; // window starts 08:00 .. 18:00

const UNREACHED = new Weighted(['未接通', '关机', '拒访', '空号'], [55, 20, 15, 10]);

const Verdict = { Satisfied: 0, Neutral: 1, Unsatisfied: 2, Blank: 3 } as const;
type Verdict = (typeof Verdict)[keyof typeof Verdict];

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

interface ViolationRule {
  id: string;
  weight: number;
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
  { id: 'OVERCHARGE', weight: 1, amount: '', notes: ['私收材料费未开票', '超标准收费'] },
  { id: 'SAFETY', weight: 3, amount: '200', notes: ['高空作业未系安全带', '带电作业'] },
  { id: 'PARTS_RETURN', weight: 2, amount: '100', notes: ['旧件逾期未返还', '旧件返还缺失'] },
];
const VIOLATION_PICK = new Weighted(VIOLATION_RULES, VIOLATION_RULES.map((r) => r.weight));

// Headers -------------------------------------------------------------------

const T_COLS = [
  '工单号', '网点编号', '工程师工号', '服务类型', '产品品类', '受理时间', '预约开始时间', '预约结束时间',
  '原预约开始时间', '原预约结束时间', '改约时间', '上门时间', '完工时间', '工单状态', '实收金额', '标准收费',
  '联系电话', '更新时间',
] as const;
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
const T_ALT2: Record<string, string> = { ...T_ALT, 产品品类: '品类', 受理时间: '创建时间', 上门时间: '签到时间' };
const T_ORDER_A = [5, 0, 13, 3, 4, 1, 2, 6, 7, 11, 12, 8, 9, 10, 15, 14, 16, 17];
const T_ORDER_B = [0, 16, 1, 2, 13, 3, 4, 5, 12, 11, 6, 7, 10, 8, 9, 14, 15, 17];

const R_COLS = [
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

const C_COLS = ['投诉编号', '工单号', '工程师工号', '网点编号', '投诉时间', '投诉类别', '责任方', '是否属实', '结案时间'] as const;
const C_ORDER = [0, 4, 5, 1, 2, 3, 6, 7, 8];
const V_COLS = ['违规编号', '工程师工号', '发生时间', '规则编号', '罚款金额', '说明'] as const;

/** questionnaire: base "no" rate per question (on_time .. charged_per_standard) */
const Q_NO_RATE = [0.006, 0.0015, 0.003, 0.0008, 0.002, 0.004, 0.0012, 0.001];

const BAD_TS = '2026-13-45 25:00';
const BAD_TS_2 = '2026-06-15 26:30';
const BAD_ENUM = '拆机';

// ---------------------------------------------------------------------------
// Reference data

interface Outlet {
  id: string;
  name: string;
  tier: Tier;
  city: string;
}

interface Tech {
  id: string;
  name: string;
  outlet: number;
  weight: number;
  partTime: boolean;
  bad: boolean;
  designated: boolean;
  start: number; // first active month idx
  end: number; // last active month idx
}

function buildReference(rng: Rng, nOutlets: number, nTechs: number, months: number): { outlets: Outlet[]; techs: Tech[] } {
  const outlets: Outlet[] = [];
  const nSc = Math.max(1, Math.round(nOutlets * 0.3));
  const nRs = Math.max(0, Math.min(nOutlets - nSc, Math.round(nOutlets * 0.3)));
  const perProv = new Map<string, number>();
  const usedNames = new Set<string>();
  for (let k = 0; k < nOutlets; k++) {
    const tier: Tier = k < nSc ? 'service_center' : k < nSc + nRs ? 'repair_shop' : 'authorized';
    const city = CITIES[k % CITIES.length] as (typeof CITIES)[number];
    const seq = (perProv.get(city.prov) ?? 0) + 1;
    perProv.set(city.prov, seq);
    const round = Math.floor(k / CITIES.length);
    const district = city.districts[round % city.districts.length] as string;
    let name = `${city.name}${district}${TIER_NAME_SUFFIX[tier]}`;
    if (usedNames.has(name)) name = `${city.name}${district}${TIER_NAME_SUFFIX[tier]}${seq}`;
    usedNames.add(name);
    outlets.push({ id: 'W' + city.prov + padN(seq, 2), name, tier, city: city.name });
  }

  // technicians per outlet: the last outlet is a small one with two technicians
  const counts: number[] = new Array<number>(nOutlets).fill(0);
  const small = nOutlets >= 3 && nTechs >= nOutlets * 2 ? nOutlets - 1 : -1;
  if (small >= 0) {
    counts[small] = 2;
    const rest = apportion(
      nTechs - 2 - (nOutlets - 1),
      outlets.slice(0, nOutlets - 1).map((o) => TIER_TECH_WEIGHT[o.tier]),
    );
    for (let k = 0; k < nOutlets - 1; k++) counts[k] = 1 + (rest[k] as number);
  } else {
    const rest = apportion(nTechs - nOutlets, outlets.map((o) => TIER_TECH_WEIGHT[o.tier]));
    for (let k = 0; k < nOutlets; k++) counts[k] = 1 + (rest[k] as number);
  }
  const techs: Tech[] = [];
  const width = Math.max(4, String(nTechs).length);
  const names = new Set<string>();
  for (let k = 0; k < nOutlets; k++) {
    for (let j = 0; j < (counts[k] as number); j++) {
      let name = '';
      do {
        name = rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.chance(0.6) ? rng.pick(GIVEN) : '');
      } while (names.has(name) && names.size < 5000);
      names.add(name);
      techs.push({
        id: 'T' + padN(techs.length + 1, width),
        name,
        outlet: k,
        weight: 0.9 + 0.2 * rng.next(),
        partTime: false,
        bad: false,
        designated: false,
        start: 0,
        end: months - 1,
      });
    }
  }

  const pool = techs.map((_, i) => i).filter((i) => (techs[i] as Tech).outlet !== small);
  rng.shuffle(pool);
  let p = 0;
  const take = (n: number): number[] => {
    const out = pool.slice(p, p + n);
    p += out.length;
    return out;
  };
  const nPart = Math.round(nTechs / 6);
  if (small >= 0) {
    const smallTechs = techs.filter((t) => t.outlet === small);
    const [a, b] = smallTechs as [Tech, Tech];
    a.weight = 0.8;
    b.partTime = true;
    b.weight = 0.3 + 0.1 * rng.next();
  }
  for (const i of take(nPart - (small >= 0 ? 1 : 0))) {
    const t = techs[i] as Tech;
    t.partTime = true;
    t.weight = 0.25 + 0.2 * rng.next();
  }
  const bad = take(Math.max(1, Math.round(nTechs / 15)));
  bad.forEach((i, n) => {
    const t = techs[i] as Tech;
    t.bad = true;
    t.designated = n === 0;
  });
  take(Math.round(nTechs / 30)).forEach((i, n) => {
    (techs[i] as Tech).end = Math.min(months - 1, Math.floor(months * 0.6) + 2 * n);
  });
  for (const i of take(Math.round(nTechs / 60))) (techs[i] as Tech).start = Math.min(months - 1, Math.floor(months * 0.25));
  return { outlets, techs };
}

// ---------------------------------------------------------------------------
// Generation

interface TicketProfile {
  headers: string[];
  order: number[] | null; // null: canonical order; -1 marks the extra column
  extraHeader: string | null;
  gbk: boolean;
  variants: boolean;
}

interface RevisitProfile {
  headers: string[];
  order: number[] | null;
  extraHeader: string | null;
  variants: boolean;
  bools: 'zh' | 'yn' | '10' | 'mixed';
  results: 'word' | 'digit' | 'mixed';
}

interface RevisitOut {
  out: CsvOut;
  profile: RevisitProfile;
  idx: number;
  ym: string;
  seq: number;
}

type TicketMessKind = 'bad_created' | 'bad_updated' | 'enum' | 'short' | 'dup';
interface TicketMess {
  month: number;
  pos: number; // first eligible sequence number
  kind: TicketMessKind;
  gap: number; // duplicates: rows after the original
  done: boolean;
}

export async function generateSample(options: GenerateSampleOptions): Promise<SampleSummary> {
  const seed = (options.seed ?? DEFAULTS.seed) >>> 0;
  const nTickets = Math.max(0, Math.floor(options.tickets ?? DEFAULTS.tickets));
  const nTechs = Math.max(1, Math.floor(options.technicians ?? DEFAULTS.technicians));
  const nOutlets = Math.max(1, Math.min(nTechs, Math.floor(options.outlets ?? DEFAULTS.outlets)));
  const firstMonth = options.firstMonth ?? DEFAULTS.firstMonth;
  const months = Math.max(1, Math.floor(options.months ?? DEFAULTS.months));
  const mess = options.mess ?? true;
  const formats = options.formats ?? true;
  const outDir = options.outDir;
  const fm = /^(\d{4})-(\d{2})$/.exec(firstMonth);
  if (!fm) throw new Error(`firstMonth must look like YYYY-MM, got ${firstMonth}`);
  const fy = Number(fm[1]);
  const fmo = Number(fm[2]);
  if (fmo < 1 || fmo > 12) throw new Error(`firstMonth must look like YYYY-MM, got ${firstMonth}`);

  await mkdir(outDir, { recursive: true });
  await clearGenerated(outDir);

  const cal = new Calendar(fy, fmo);
  const rng = new Rng(seed); // the data itself
  const frng = new Rng(seed ^ 0x5bd1e995); // spellings and per-row formats only
  const mrng = new Rng(seed ^ 0x27d4eb2f); // mess rows only

  const { outlets, techs } = buildReference(new Rng(seed ^ 0x9e3779b9), nOutlets, nTechs, months);
  const files: SampleFile[] = [];
  const messRows: MessRow[] = [];
  const statusCount = { completed: 0, cancelled: 0, open: 0 };

  const firstDay = cal.monthStartDay(0);
  const cutoff = cal.monthStartDay(months) * MIN_PER_DAY; // export cut-off: end of the last month
  const gbkIdx = formats && months > 4 ? 4 : -1;
  const designatedMonths = [Math.floor(months * 0.45), Math.floor(months * 0.45) + 1];
  const ymOf = (idx: number): string => cal.monthKey(idx).replace('-', '');

  let needFlush = false;
  const onFull = (): void => {
    needFlush = true;
  };
  const open: CsvOut[] = [];
  const newOut = (file: string, kind: SampleKind, header: readonly string[], gbk = false): CsvOut => {
    const o = new CsvOut(outDir, file, kind, gbk ? 'gbk' : 'utf-8', !gbk, header.join(','), onFull);
    open.push(o);
    return o;
  };
  const closeOut = async (o: CsvOut): Promise<void> => {
    files.push(await o.close());
    const i = open.indexOf(o);
    if (i >= 0) open.splice(i, 1);
  };
  const flushFull = async (): Promise<void> => {
    needFlush = false;
    for (const o of open) if (o.full) await o.flush();
  };

  // reference files -----------------------------------------------------------
  {
    const o = newOut('工程师.csv', 'technicians', ['工程师工号', '姓名', '网点编号', '状态']);
    for (const t of techs) o.add([t.id, t.name, (outlets[t.outlet] as Outlet).id, t.end < months - 1 ? '离职' : '在职'].join(','));
    await closeOut(o);
  }
  if (formats) {
    files.push(await writeOutletsXlsx(outDir, outlets));
  } else {
    const o = newOut('网点.csv', 'outlets', ['网点编号', '网点名称', '网点级别', '城市']);
    for (const w of outlets) o.add([w.id, w.name, TIER_ZH[w.tier], w.city].join(','));
    await closeOut(o);
  }
  if (mess) {
    const text =
      '\uFEFF说明,内容\r\n' +
      '导出范围,' + `${cal.monthKey(0)} 至 ${cal.monthKey(months - 1)} 全部工单、回访、投诉\r\n` +
      '备注,"时间均为本地时间;金额单位:元"\r\n';
    await writeFile(path.join(outDir, '导出说明.csv'), text, 'utf8');
    files.push({ file: '导出说明.csv', kind: 'unrecognised', rows: 2, encoding: 'utf-8', bom: true, bytes: Buffer.byteLength(text) });
  }

  // complaints and violations: one file each ---------------------------------
  const cOrder = formats ? C_ORDER : null;
  const cOut = newOut('投诉.csv', 'complaints', cOrder ? cOrder.map((i) => C_COLS[i] as string) : C_COLS);
  const cSeq = new Map<string, number>();
  const vOut = newOut('违规.csv', 'violations', V_COLS);
  const vPerMonth = apportion(Math.max(1, Math.round((30 * nTickets) / 24000)), new Array<number>(months).fill(1));

  // revisit files, one per month of revisit_at, opened on demand ------------
  const revisitOuts = new Map<number, RevisitOut>();
  const revisitOut = (min: number): RevisitOut => {
    const info = cal.of(min);
    let r = revisitOuts.get(info.monthIdx);
    if (r === undefined) {
      const profile = revisitProfile(info.monthIdx, formats);
      const header = profile.order
        ? profile.order.map((i) => (i < 0 ? (profile.extraHeader as string) : (profile.headers[i] as string)))
        : profile.headers;
      r = {
        out: newOut(`回访_${info.monthKey}.csv`, 'revisits', header),
        profile,
        idx: info.monthIdx,
        ym: info.monthKey.replace('-', ''),
        seq: 0,
      };
      revisitOuts.set(info.monthIdx, r);
    }
    return r;
  };

  // mess plan ----------------------------------------------------------------
  const mIdx = (frac: number): number => Math.min(months - 1, Math.floor(frac * months));
  const ticketMess: TicketMess[] = mess
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
  const revisitMess = mess
    ? [
        { month: mIdx(0.3), fromRow: 100, kind: 'bad_ts' as const, done: false },
        { month: mIdx(0.7), fromRow: 200, kind: 'missing' as const, done: false },
      ]
    : [];
  const complaintMess = { month: mIdx(0.7), done: !mess };

  const tProfiles: TicketProfile[] = [];
  for (let i = 0; i < months; i++) tProfiles.push(ticketProfile(i, formats, gbkIdx));

  // month allocation ---------------------------------------------------------
  const SEASON = [0.8, 0.7, 0.85, 0.95, 1.1, 1.3, 1.4, 1.3, 1.0, 0.9, 0.85, 0.85];
  const monthWeights: number[] = [];
  for (let i = 0; i < months; i++) {
    const [, m] = cal.ym(i);
    monthWeights.push(1 + 0.35 * ((SEASON[m - 1] as number) - 1));
  }
  const perMonth = apportion(nTickets, monthWeights);
  const HOUR_PICK = new Weighted([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19], [5, 9, 10, 9, 6, 6, 8, 8, 7, 6, 4, 2]);

  // ---------------------------------------------------------------------------
  // per-row helpers

  const boolCell = (v: number, style: RevisitProfile['bools']): string => {
    // v: 1 true, 0 false, -1 blank
    if (v < 0) return '';
    let s = style;
    if (s === 'mixed') {
      const r = frng.next();
      s = r < 0.7 ? 'zh' : r < 0.85 ? 'yn' : '10';
    }
    if (s === 'zh') return v ? '是' : '否';
    if (s === 'yn') return v ? 'Y' : 'N';
    return v ? '1' : '0';
  };
  const reachedCell = (style: RevisitProfile['bools']): string => {
    const r = frng.next();
    if (style === 'yn') return r < 0.85 ? 'Y' : '已接通';
    return r < 0.6 ? '是' : r < 0.85 ? '已接通' : '成功';
  };
  const resultCell = (v: Verdict, style: RevisitProfile['results']): string => {
    if (v === Verdict.Blank) return '';
    let s = style;
    if (s === 'mixed') s = frng.next() < 0.8 ? 'word' : 'digit';
    const r = frng.next();
    if (s === 'word') {
      if (v === Verdict.Satisfied) return r < 0.9 ? '满意' : '非常满意';
      if (v === Verdict.Neutral) return r < 0.8 ? '一般' : '基本满意';
      return r < 0.85 ? '不满意' : '非常不满意';
    }
    if (v === Verdict.Satisfied) return r < 0.6 ? '5' : '4';
    if (v === Verdict.Neutral) return '3';
    return r < 0.6 ? '2' : '1';
  };
  const money = (cents: number, plainOnly: boolean): string => {
    if (cents < 0) return '';
    const plain = (cents / 100).toFixed(2);
    if (plainOnly) return plain;
    const r = frng.next();
    if (r < 0.006 && cents % 100 === 0) return '¥' + cents / 100;
    if (r < 0.012 && cents % 100 === 0) return cents / 100 + '元';
    return plain;
  };
  const rowStyle = (variants: boolean): TsStyle => {
    if (!variants) return 'std';
    const r = frng.next();
    return r < 0.003 ? 'iso' : r < 0.006 ? 'nosec' : 'std';
  };
  /** move a call-centre time forward into 08:30-21:00 */
  const daytime = (t: number): number => {
    const tod = t % MIN_PER_DAY;
    if (tod < 510) return t + (510 - tod) + rng.int(0, 90);
    if (tod > 1260) return t + (MIN_PER_DAY - tod) + 510 + rng.int(0, 90);
    return t;
  };
  const compose = (f: string[], order: number[] | null, extra: string): string => {
    if (order === null) return f.join(',');
    let s = '';
    for (let k = 0; k < order.length; k++) {
      const i = order[k] as number;
      if (k > 0) s += ',';
      s += i < 0 ? extra : (f[i] as string);
    }
    return s;
  };

  // revisit rows for one completed ticket ------------------------------------
  const Q = new Int8Array(8);
  const writeRevisit = (
    ticketId: string,
    at: number,
    reached: boolean,
    verdict: Verdict,
    questionnaire: boolean,
    reason: string,
  ): void => {
    const ro = revisitOut(at);
    const p = ro.profile;
    ro.seq++;
    const id = 'HF' + ro.ym + padN(ro.seq, 6);
    const f: string[] = new Array<string>(14);
    f[0] = id;
    f[1] = ticketId;
    f[2] = cal.fmt(at, rowStyle(p.variants));
    f[3] = reached ? reachedCell(p.bools) : UNREACHED.pick(frng);
    f[4] = reached ? resultCell(verdict, p.results) : '';
    for (let k = 0; k < 8; k++) f[5 + k] = reached && questionnaire ? boolCell(Q[k] as number, p.bools) : '';
    f[13] = q(reason);
    const extra = p.extraHeader !== null && reached ? 'KF' + padN(1 + Math.floor(frng.next() * 40), 3) : '';
    if (!reached && revisitMess.length > 0) {
      for (const m of revisitMess) {
        if (m.done || m.month !== ro.idx || ro.out.rows + 1 < m.fromRow) continue;
        m.done = true;
        const colIdx = 2;
        const header = p.headers[colIdx] as string;
        if (m.kind === 'bad_ts') {
          f[colIdx] = BAD_TS;
          messRows.push({ file: ro.out.file, line: ro.out.nextLine, kind: 'revisits', key: id, column: header, problem: 'bad_timestamp', value: BAD_TS, note: 'unparseable revisit time on an unreached call' });
        } else {
          f[colIdx] = '';
          messRows.push({ file: ro.out.file, line: ro.out.nextLine, kind: 'revisits', key: id, column: header, problem: 'missing_required', value: '', note: 'required revisit time left blank on an unreached call' });
        }
        break;
      }
    }
    ro.out.add(compose(f, p.order, extra));
  };

  const complaintId = (at: number): string => {
    const ym = cal.of(at).monthKey.replace('-', '');
    const n = (cSeq.get(ym) ?? 0) + 1;
    cSeq.set(ym, n);
    return 'TS' + ym + padN(n, 5);
  };
  const writeComplaint = (
    ticketId: string,
    techId: string,
    outletId: string,
    at: number,
    cat: number,
    resp: Resp,
    verified: boolean,
    resolved: number,
  ): string => {
    const id = complaintId(at);
    const f: string[] = [
      id,
      ticketId,
      techId,
      outletId,
      cal.fmt(at, 'std'),
      (COMPLAINT_CATS[cat] as ComplaintCat).zh,
      RESP_ZH[resp],
      verified ? '是' : '否',
      cal.fmt(resolved, 'std'),
    ];
    if (!complaintMess.done && resp !== 'technician' && resp !== 'outlet' && cal.of(at).monthIdx >= complaintMess.month) {
      complaintMess.done = true;
      f[8] = BAD_TS;
      messRows.push({ file: cOut.file, line: cOut.nextLine, kind: 'complaints', key: id, column: '结案时间', problem: 'bad_timestamp', value: BAD_TS, note: `unparseable resolution time (responsible ${RESP_ZH[resp]})` });
    }
    cOut.add(compose(f, cOrder, ''));
    return id;
  };

  // ---------------------------------------------------------------------------
  // month loop

  for (let mi = 0; mi < months; mi++) {
    const mk = cal.monthKey(mi);
    const ym = ymOf(mi);
    const prof = tProfiles[mi] as TicketProfile;
    const tHeader = prof.order
      ? prof.order.map((i) => (i < 0 ? (prof.extraHeader as string) : (prof.headers[i] as string)))
      : prof.headers;
    const tOut = newOut(`工单_${mk}.csv`, 'tickets', tHeader, prof.gbk);
    const baseStyle: TsStyle = prof.gbk ? 'slash' : 'std';
    const moneyPlain = !formats || prof.gbk;

    const active: Tech[] = [];
    const weights: number[] = [];
    for (const t of techs) {
      if (mi >= t.start && mi <= t.end) {
        active.push(t);
        weights.push(t.weight);
      }
    }
    const techPick = new Weighted(active, weights);
    const lastMonth = mi === months - 1;
    const startDay = cal.monthStartDay(mi);
    const nDays = cal.monthStartDay(mi + 1) - startDay;
    const monthStartMin = startDay * MIN_PER_DAY;
    const monthLen = nDays * MIN_PER_DAY;
    const dayWeights: number[] = [];
    for (let d = 0; d < nDays; d++) {
      const dow = cal.day(startDay + d).dow;
      dayWeights.push(dow === 0 ? 0.75 : dow === 6 ? 0.85 : 1);
    }
    const perDay = apportion(perMonth[mi] as number, dayWeights);
    const nMonth = perMonth[mi] as number;
    const myMess = ticketMess.filter((m) => m.month === mi);
    let dup: { line: string; key: string; at: number; origLine: number } | null = null;
    let seq = 0;

    for (let d = 0; d < nDays; d++) {
      const k = perDay[d] as number;
      if (k === 0) continue;
      const dayMin = (startDay + d) * MIN_PER_DAY;
      const times = new Int32Array(k);
      for (let j = 0; j < k; j++) times[j] = dayMin + HOUR_PICK.pick(rng) * 60 + Math.floor(rng.next() * 60);
      times.sort();

      for (let j = 0; j < k; j++) {
        const c = times[j] as number;
        seq++;
        const ticketId = 'GD' + ym + padN(seq, 6);

        // who and what ---------------------------------------------------------
        const tech: Tech | null = techPick.empty ? null : techPick.pick(rng);
        const outletIdx = tech ? tech.outlet : Math.floor(rng.next() * outlets.length);
        const outlet = outlets[outletIdx] as Outlet;
        const type = SVC_PICK.pick(rng);
        const cat = (CAT_BY_TYPE[type] as Weighted<string>).pick(rng);

        // status ----------------------------------------------------------------
        let status: Status;
        const x = (c - monthStartMin) / monthLen;
        const pOpen = lastMonth ? 0.02 + 1.2 * x * x * x : 0.004;
        const rs = rng.next();
        status = rs < 0.04 ? Status.Cancelled : rs < 0.04 + pOpen ? Status.Open : Status.Completed;

        // appointment -------------------------------------------------------------
        let apStart = -1;
        let apEnd = -1;
        let origStart = -1;
        let origEnd = -1;
        let resched = -1;
        const ra = rng.next();
        const apMode = type === SvcType.Consultation ? (ra < 0.3 ? 0 : 2) : ra < 0.9 ? 0 : ra < 0.95 ? 1 : ra < 0.98 ? 2 : 0;
        if (apMode !== 2) {
          const rd = rng.next();
          const dayOff = rd < 0.3 ? 0 : rd < 0.7 ? 1 : rd < 0.9 ? 2 : 3;
          let s = (Math.floor(c / MIN_PER_DAY) + dayOff) * MIN_PER_DAY + rng.pick(SLOTS);
          while (s < c + 60) {
            s += 120;
            if (s % MIN_PER_DAY > 1080) s = (Math.floor(s / MIN_PER_DAY) + 1) * MIN_PER_DAY + (SLOTS[rng.int(0, 2)] as number);
          }
          apStart = s;
          if (apMode === 0) apEnd = s + 120;
        }
        if (apMode === 0 && rng.chance(0.065)) {
          origStart = apStart;
          origEnd = apEnd;
          let ns = origStart + MIN_PER_DAY * rng.int(1, 2) + 120 * rng.int(-1, 1);
          if (ns % MIN_PER_DAY > 1080) ns -= 240;
          if (ns % MIN_PER_DAY < 480) ns += 240;
          apStart = ns;
          apEnd = ns + 120;
          const rr = rng.next();
          if (rr < 0.02) resched = origEnd - 20;
          else if (rr < 0.04) resched = origEnd - 19;
          else if (rr < 0.06) resched = origEnd + rng.int(10, 240);
          else resched = rng.int(Math.max(c + 5, origStart - 1800), Math.max(c + 5, origStart - 60));
        }

        // visit and completion --------------------------------------------------
        let arrived = -1;
        let completed = -1;
        let late = false;
        if (status === Status.Completed) {
          const bad = tech !== null && tech.bad;
          if (apMode === 0) {
            const r = rng.next();
            const pLate = bad ? 0.06 : 0.008;
            if (r < pLate) {
              arrived = apEnd + rng.int(5, 120);
              late = true;
            } else if (r < pLate + 0.03) arrived = apStart - rng.int(5, 40);
            else arrived = apStart + rng.int(0, 115);
            if (resched >= 0 && resched > origEnd - 20) late = true;
          } else if (apMode === 1) {
            if (rng.chance(0.92)) arrived = apStart - rng.int(0, 40);
            else {
              arrived = apStart + rng.int(1, 60);
              late = true;
            }
          } else if (type !== SvcType.Consultation) {
            arrived = c + rng.int(90, 1440);
          }
          if (arrived >= 0 && rng.chance(0.015)) arrived = -1; // missing check-in
          const [dlo, dhi] = DURATION[type] as readonly [number, number];
          const base = arrived >= 0 ? arrived : apStart >= 0 ? apStart + rng.int(0, 100) : c + rng.int(10, 180);
          completed = base + rng.int(dlo, dhi);
          if (completed >= cutoff) {
            status = Status.Open;
            completed = -1;
            if (arrived >= cutoff) arrived = -1;
          }
        } else if (status === Status.Open && apStart >= 0 && apStart < cutoff && rng.chance(0.4)) {
          arrived = apStart + rng.int(0, 110);
          if (arrived >= cutoff) arrived = -1;
        }

        // fees ------------------------------------------------------------------
        let std = -1;
        let charged = -1;
        let overcharged = false;
        if (status !== Status.Cancelled) {
          if (type === SvcType.Install) std = rng.chance(0.7) ? 0 : rng.int(5, 30) * 1000;
          else if (type === SvcType.Repair) std = rng.int(10, 80) * 500;
          else if (type === SvcType.Maintenance) std = rng.int(8, 20) * 1000;
          else std = 0;
          if (status === Status.Completed) {
            const r = rng.next();
            const pOver = tech !== null && tech.bad ? 0.01 : 0.0015;
            if (r < pOver) {
              charged = std + rng.int(2, 20) * 1000;
              overcharged = true;
            } else if (r < pOver + 0.015 && std > 0) charged = Math.round((std * (0.7 + 0.2 * rng.next())) / 100) * 100;
            else charged = std;
          }
        }

        // updated_at ------------------------------------------------------------
        let updated = -1;
        if (status === Status.Completed) {
          if (rng.chance(0.92)) updated = (completed as number) + rng.int(5, 2880);
        } else if (status === Status.Cancelled) updated = c + rng.int(30, 4320);
        else if (rng.chance(0.5)) updated = c + rng.int(5, 600);

        const phone = '1' + (rng.next() < 0.5 ? '3' : rng.next() < 0.5 ? '5' : '8') + padN(Math.floor(rng.next() * 1e9), 9);

        let techCell = tech ? tech.id : '';
        if (status === Status.Cancelled && rng.chance(0.5)) techCell = '';
        else if (status === Status.Open && rng.chance(0.3)) techCell = '';

        let statusCell: string;
        if (status === Status.Completed) {
          statusCount.completed++;
          const r = frng.next();
          statusCell = r < 0.95 ? '已完成' : r < 0.99 ? '完工' : 'completed';
        } else if (status === Status.Cancelled) {
          statusCount.cancelled++;
          statusCell = '已取消';
        } else {
          statusCount.open++;
          statusCell = arrived >= 0 ? '处理中' : '待处理';
        }

        // ticket row ------------------------------------------------------------
        const style = prof.gbk ? baseStyle : rowStyle(prof.variants);
        const f: string[] = new Array<string>(18);
        f[0] = ticketId;
        f[1] = outlet.id;
        f[2] = techCell;
        f[3] = SVC_ZH[type];
        f[4] = cat;
        f[5] = cal.fmt(c, style);
        f[6] = cal.fmt(apStart, style);
        f[7] = cal.fmt(apEnd, style);
        f[8] = cal.fmt(origStart, style);
        f[9] = cal.fmt(origEnd, style);
        f[10] = cal.fmt(resched, style);
        f[11] = cal.fmt(arrived, style);
        f[12] = cal.fmt(completed, style);
        f[13] = statusCell;
        f[14] = money(charged, moneyPlain);
        f[15] = money(std, true);
        f[16] = phone;
        f[17] = cal.fmt(updated, style);
        let extra = '';
        if (prof.extraHeader !== null) {
          const r = frng.next();
          extra = r < 0.03 ? '用户要求周末上门' : r < 0.05 ? '"已电话联系,用户不在家"' : r < 0.06 ? '需带梯子' : '';
        }

        // mess on tickets ---------------------------------------------------------
        let line = compose(f, prof.order, extra);
        for (const m of myMess) {
          if (m.done || seq < Math.max(1, Math.floor(m.pos * nMonth))) continue;
          if (m.kind === 'dup') {
            if (status !== Status.Completed || dup !== null) continue;
            m.done = true;
            dup = { line, key: ticketId, at: seq + m.gap, origLine: tOut.nextLine };
            break;
          }
          if (status !== Status.Cancelled) continue;
          m.done = true;
          const colOf = (canon: number): string => prof.headers[canon] as string;
          if (m.kind === 'bad_created' || m.kind === 'bad_updated') {
            const ci = m.kind === 'bad_created' ? 5 : 17;
            const v = m.kind === 'bad_created' ? BAD_TS : BAD_TS_2;
            f[ci] = v;
            line = compose(f, prof.order, extra);
            messRows.push({ file: tOut.file, line: tOut.nextLine, kind: 'tickets', key: ticketId, column: colOf(ci), problem: 'bad_timestamp', value: v, note: 'cancelled ticket with an unparseable timestamp' });
          } else if (m.kind === 'enum') {
            f[3] = BAD_ENUM;
            line = compose(f, prof.order, extra);
            messRows.push({ file: tOut.file, line: tOut.nextLine, kind: 'tickets', key: ticketId, column: colOf(3), problem: 'unknown_enum', value: BAD_ENUM, note: 'cancelled ticket with an unknown service type' });
          } else if (m.kind === 'short') {
            line = line.split(',').slice(0, 6).join(',');
            messRows.push({ file: tOut.file, line: tOut.nextLine, kind: 'tickets', key: ticketId, column: null, problem: 'wrong_column_count', value: `6 of ${tHeader.length} fields`, note: 'cancelled ticket row cut short' });
          }
          break;
        }
        tOut.add(line);
        if (dup !== null && seq >= dup.at) {
          messRows.push({ file: tOut.file, line: tOut.nextLine, kind: 'tickets', key: dup.key, column: null, problem: 'duplicate_key', value: dup.key, note: `exact copy of line ${dup.origLine}` });
          tOut.add(dup.line);
          dup = null;
        }

        // revisits and complaints for completed tickets ------------------------------
        if (status === Status.Completed && tech !== null) {
          const C = completed;
          const bad = tech.bad;
          let verdict: Verdict = Verdict.Blank;
          const rv = rng.next();
          let first = -1;
          if (rv < 0.003) {
            const room = Math.max(5, Math.min(60, arrived >= 0 ? C - arrived - 1 : 30));
            first = Math.max(c + 1, C - rng.int(5, Math.max(5, room)));
          } else if (rv < 0.004) first = C + 72 * 60;
          else if (rv < 0.044) first = daytime(C + rng.int(72 * 60 + 10, 200 * 60));
          else if (rv < 0.964) {
            first = daytime(C + rng.int(60, 70 * 60));
            if (first > C + 71 * 60) first -= MIN_PER_DAY;
          }
          if (first >= 0) {
            let at = first;
            const reachP = [0.88, 0.85, 0.75];
            for (let attempt = 0; attempt < 3; attempt++) {
              if (rng.chance(reachP[attempt] as number)) {
                // reached: verdict and questionnaire
                const r = rng.next();
                let pSat = bad ? 0.74 : 0.86;
                let pNeu = bad ? 0.12 : 0.08;
                let pUns = bad ? 0.1 : 0.03;
                if (late || overcharged) {
                  pSat -= 0.09;
                  pNeu += 0.03;
                  pUns += 0.06;
                }
                verdict = r < pSat ? Verdict.Satisfied : r < pSat + pNeu ? Verdict.Neutral : r < pSat + pNeu + pUns ? Verdict.Unsatisfied : Verdict.Blank;
                for (let qk = 0; qk < 8; qk++) {
                  let pNo = (Q_NO_RATE[qk] as number) * (bad ? 4 : 1);
                  if (qk === 0 && late) pNo = 0.5;
                  if (qk === 7 && overcharged) pNo = 0.5;
                  const rq = rng.next();
                  Q[qk] = rq < 0.012 ? -1 : rq < 0.012 + pNo ? 0 : 1;
                }
                let reason = '';
                if (verdict === Verdict.Unsatisfied && rng.chance(0.97)) reason = rng.pick(UNSAT_REASONS);
                else if (verdict === Verdict.Neutral && rng.chance(0.3)) reason = rng.pick(NEUTRAL_REASONS);
                writeRevisit(ticketId, at, true, verdict, true, reason);
                if (verdict !== Verdict.Blank && rng.chance(0.03)) {
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
                  const reason2 = other === Verdict.Unsatisfied ? rng.pick(UNSAT_REASONS) : '';
                  writeRevisit(ticketId, daytime(at + rng.int(2 * MIN_PER_DAY, 10 * MIN_PER_DAY)), true, other, false, reason2);
                }
                break;
              }
              writeRevisit(ticketId, at, false, Verdict.Blank, false, '');
              at = daytime(at + (attempt === 0 ? rng.int(120, 1800) : rng.int(240, 1440)));
            }
          }

          // complaints -----------------------------------------------------------
          const compMonth = cal.of(C).monthIdx;
          const designatedNow = tech.designated && designatedMonths.includes(compMonth);
          const rc = rng.next();
          let cat = -1;
          let verified = false;
          let at = -1;
          if (overcharged && rc < 0.12) {
            cat = CI('overcharge');
            verified = rng.chance(0.9);
          } else {
            let p = designatedNow ? 0.2 : bad ? 0.025 : 0.005;
            if (verdict === Verdict.Unsatisfied) p += 0.05;
            if (rng.chance(p)) {
              cat = (designatedNow ? CAT_DESIGNATED : bad ? CAT_BAD_TECH : CAT_GENERAL).pick(rng);
              verified = cat === CI('overcharge') ? rng.chance(0.15) : rng.chance(designatedNow ? 0.92 : 0.7);
            }
          }
          if (cat >= 0) {
            const code = (COMPLAINT_CATS[cat] as ComplaintCat).code;
            const resp: Resp = designatedNow ? 'technician' : (RESP_PICK[code] as Weighted<Resp>).pick(rng);
            if (designatedNow) {
              const monthEnd = cal.monthStartDay(compMonth + 1) * MIN_PER_DAY - 1;
              at = Math.min(monthEnd, daytime(C + rng.int(30, 2160)));
            } else at = daytime(C + rng.int(60, 7 * MIN_PER_DAY));
            const resolved = rng.chance(0.85) ? at + rng.int(MIN_PER_DAY, 10 * MIN_PER_DAY) : -1;
            const given = rng.chance(0.9);
            writeComplaint(ticketId, given ? tech.id : '', given ? outlet.id : '', at, cat, resp, verified, resolved);
          }
        }
        if (needFlush) await flushFull();
      }
    }
    if (dup !== null) {
      const d = dup as { line: string; key: string; origLine: number };
      messRows.push({ file: tOut.file, line: tOut.nextLine, kind: 'tickets', key: d.key, column: null, problem: 'duplicate_key', value: d.key, note: `exact copy of line ${d.origLine}` });
      tOut.add(d.line);
      dup = null;
    }

    // complaints with no ticket (callers give only technician or outlet) --------
    const expNoTicket = 0.0008 * nMonth;
    const nNoTicket = Math.floor(expNoTicket) + (rng.next() < expNoTicket - Math.floor(expNoTicket) ? 1 : 0);
    for (let n = 0; n < nNoTicket; n++) {
      const cat = CAT_NO_TICKET.pick(rng);
      const code = (COMPLAINT_CATS[cat] as ComplaintCat).code;
      const at = monthStartMin + rng.int(0, nDays - 1) * MIN_PER_DAY + rng.int(480, 1200);
      const t = techPick.empty ? null : techPick.pick(rng);
      const techGiven = t !== null && (code === 'service_attitude' || code === 'untimely');
      const outletId = t ? (outlets[t.outlet] as Outlet).id : (outlets[0] as Outlet).id;
      const resp: Resp = techGiven ? 'technician' : (RESP_PICK[code] as Weighted<Resp>).pick(rng);
      const resolved = rng.chance(0.8) ? at + rng.int(MIN_PER_DAY, 7 * MIN_PER_DAY) : -1;
      writeComplaint('', techGiven && t ? t.id : '', outletId, at, cat, resp, rng.chance(0.6), resolved);
    }

    // manual violations -----------------------------------------------------------
    const vw = active.map((t) => (t.bad ? 4 : 1));
    const vPick = new Weighted(active, vw);
    const vTimes: number[] = [];
    for (let n = 0; n < (vPerMonth[mi] as number); n++) vTimes.push(monthStartMin + rng.int(0, nDays - 1) * MIN_PER_DAY + rng.int(480, 1080));
    vTimes.sort((a, b) => a - b);
    vTimes.forEach((at, n) => {
      if (vPick.empty) return;
      const t = vPick.pick(rng);
      const rule = VIOLATION_PICK.pick(rng);
      const amount = rule.amount !== '' ? rule.amount : rng.chance(0.08) ? '30' : '';
      vOut.add(['WG' + ym + padN(n + 1, 4), t.id, cal.fmt(at, 'std'), rule.id, amount, q(rng.pick(rule.notes))].join(','));
    });

    await closeOut(tOut);
    // revisits of earlier months are complete: nothing created later can precede them
    for (const [idx, ro] of [...revisitOuts]) {
      if (idx > mi) continue;
      if (idx === 0 && mess) writeOrphanRevisits(ro);
      await closeOut(ro.out);
      revisitOuts.delete(idx);
    }
    if (needFlush) await flushFull();
  }

  // orphan complaints: tickets from before the export period -------------------
  if (mess) {
    const prevYm = cal.monthKey(-1).replace('-', '');
    for (let n = 0; n < 3; n++) {
      const t = techs[Math.floor(mrng.next() * techs.length)] as Tech;
      const ticketId = 'GD' + prevYm + padN(mrng.int(1000, 9999), 6);
      const at = firstDay * MIN_PER_DAY + mrng.int(0, 4) * MIN_PER_DAY + mrng.int(480, 1200);
      const line = cOut.nextLine;
      const id = writeComplaint(ticketId, t.id, (outlets[t.outlet] as Outlet).id, at, CI(n === 1 ? 'untimely' : 'service_attitude'), 'technician', true, at + 2 * MIN_PER_DAY);
      messRows.push({ file: cOut.file, line, kind: 'complaints', key: id, column: '工单号', problem: 'orphan', value: ticketId, note: 'complaint about a ticket outside the export' });
    }
  }

  for (const ro of [...revisitOuts.values()].sort((a, b) => a.idx - b.idx)) {
    if (ro.idx === 0 && mess) writeOrphanRevisits(ro);
    await closeOut(ro.out);
  }
  await closeOut(cOut);
  await closeOut(vOut);

  function writeOrphanRevisits(ro: RevisitOut): void {
    const prevYm = cal.monthKey(-1).replace('-', '');
    const used = new Set<number>();
    for (let n = 0; n < 5; n++) {
      let s = mrng.int(1000, 9999);
      while (used.has(s)) s++;
      used.add(s);
      const ticketId = 'GD' + prevYm + padN(s, 6);
      const at = firstDay * MIN_PER_DAY + mrng.int(0, 2) * MIN_PER_DAY + mrng.int(540, 1140);
      Q.fill(1);
      const line = ro.out.nextLine;
      writeRevisit(ticketId, at, true, Verdict.Satisfied, true, '');
      messRows.push({ file: ro.out.file, line, kind: 'revisits', key: 'HF' + ro.ym + padN(ro.seq, 6), column: ro.profile.headers[1] as string, problem: 'orphan', value: ticketId, note: 'revisit of a ticket outside the export' });
    }
  }

  files.sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const rows: Record<SampleKind, number> = { tickets: 0, revisits: 0, complaints: 0, violations: 0, technicians: 0, outlets: 0, unrecognised: 0 };
  for (const f of files) rows[f.kind] += f.rows;
  messRows.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return { outDir, seed, firstMonth, months, mess, formats, files, rows, tickets: statusCount, mess_rows: messRows };
}

function kindOrder(k: SampleKind): number {
  return ['tickets', 'revisits', 'complaints', 'violations', 'technicians', 'outlets', 'unrecognised'].indexOf(k);
}

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
    if (i === 2) order.splice(14, 0, -1);
    else order.push(-1);
  }
  return { headers, order, extraHeader, gbk: i === gbkIdx, variants: i !== gbkIdx };
}

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

const GENERATED = /^((工单|回访)_\d{4}-\d{2}\.csv|投诉\.csv|违规\.csv|工程师\.csv|网点\.(xlsx|csv)|导出说明\.csv)$/;

async function clearGenerated(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (GENERATED.test(name)) await unlink(path.join(dir, name));
  }
}

async function writeOutletsXlsx(dir: string, outlets: readonly Outlet[]): Promise<SampleFile> {
  const wb = new ExcelJS.Workbook();
  const fixed = new Date(Date.UTC(2026, 10, 1, 8, 0, 0));
  wb.creator = '售后服务管理系统';
  wb.lastModifiedBy = '售后服务管理系统';
  wb.created = fixed;
  wb.modified = fixed;
  const ws = wb.addWorksheet('网点');
  ws.columns = [
    { header: '网点编号', key: 'id', width: 12 },
    { header: '网点名称', key: 'name', width: 28 },
    { header: '网点级别', key: 'tier', width: 14 },
    { header: '城市', key: 'city', width: 10 },
  ];
  ws.getRow(1).font = { bold: true };
  for (const o of outlets) ws.addRow({ id: o.id, name: o.name, tier: TIER_ZH[o.tier], city: o.city });
  const buf = Buffer.from(await wb.xlsx.writeBuffer());
  fixZipTimes(buf);
  const file = '网点.xlsx';
  await writeFile(path.join(dir, file), buf);
  return { file, kind: 'outlets', rows: outlets.length, encoding: 'xlsx', bom: false, bytes: buf.length };
}

/** pin every zip entry's modification time so the workbook is byte-identical run to run */
function fixZipTimes(buf: Buffer): void {
  const dosDate = ((2026 - 1980) << 9) | (11 << 5) | 1;
  const dosTime = 8 << 11;
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return;
  const n = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let k = 0; k < n && p + 46 <= buf.length; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) break;
    buf.writeUInt16LE(dosTime, p + 12);
    buf.writeUInt16LE(dosDate, p + 14);
    const local = buf.readUInt32LE(p + 42);
    if (local + 30 <= buf.length && buf.readUInt32LE(local) === 0x04034b50) {
      buf.writeUInt16LE(dosTime, local + 10);
      buf.writeUInt16LE(dosDate, local + 12);
    }
    p += 46 + buf.readUInt16LE(p + 28) + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
}

// ---------------------------------------------------------------------------
// Command line

function parseArgs(argv: readonly string[]): GenerateSampleOptions {
  const opts: GenerateSampleOptions = { outDir: 'data/sample' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`missing value for ${a}`);
      return v;
    };
    const num = (): number => {
      const v = Number(val());
      if (!Number.isFinite(v)) throw new Error(`${a} needs a number`);
      return v;
    };
    switch (a) {
      case '--out':
        opts.outDir = val();
        break;
      case '--seed':
        opts.seed = num();
        break;
      case '--tickets':
        opts.tickets = num();
        break;
      case '--technicians':
        opts.technicians = num();
        break;
      case '--outlets':
        opts.outlets = num();
        break;
      case '--first-month':
        opts.firstMonth = val();
        break;
      case '--months':
        opts.months = num();
        break;
      case '--no-mess':
        opts.mess = false;
        break;
      case '--no-formats':
        opts.formats = false;
        break;
      default:
        throw new Error(`unknown argument ${a}`);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const s = await generateSample(opts);
  for (const f of s.files) {
    const enc = f.encoding === 'utf-8' && f.bom ? 'utf-8 bom' : f.encoding;
    console.log(`${f.file}\t${f.kind}\t${f.rows} rows\t${enc}\t${f.bytes} bytes`);
  }
  const r = s.rows;
  console.log(
    `wrote ${s.files.length} files to ${s.outDir}: ${r.tickets} tickets (${s.tickets.completed} completed, ${s.tickets.cancelled} cancelled, ${s.tickets.open} open), ` +
      `${r.revisits} revisits, ${r.complaints} complaints, ${r.violations} violations, ${s.mess_rows.length} mess rows`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
