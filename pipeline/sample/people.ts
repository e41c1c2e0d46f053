/**
 * The service network of the sample: outlets (网点) in a few cities and their technicians (工程师),
 * with the traits that shape their tickets (part-time, poor service, leavers and joiners), and the
 * two reference files listing them.
 * Owns outlets and technicians. Imports only siblings: ./random.ts, ./calendar.ts, ./writers.ts.
 */
import { apportion, type Rng } from './random.ts';
import { padN } from './calendar.ts';
import { writeXlsxSheet, type SampleOutputs } from './writers.ts';

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
/** larger outlets employ more technicians */
const TIER_TECH_WEIGHT: Record<Tier, number> = { service_center: 3, repair_shop: 2, authorized: 1.5 };

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '高', '罗', '郑', '梁', '宋', '谢'];
const GIVEN = ['伟', '强', '磊', '军', '勇', '杰', '涛', '斌', '超', '明', '刚', '平', '辉', '鹏', '华', '飞', '鑫', '波', '宇', '浩', '凯', '健', '俊', '帆', '亮', '建', '国', '志', '海', '峰'];

export interface Outlet {
  id: string;
  name: string;
  tier: Tier;
  city: string;
}

export interface Tech {
  id: string;
  name: string;
  outlet: number;
  /** share of the outlet's tickets */
  weight: number;
  partTime: boolean;
  /** poor service: late, overcharging, complained about */
  bad: boolean;
  /** the one technician, spotless until then, with a bad streak (faults and a burst of complaints) for two months, who leaves after it */
  designated: boolean;
  start: number; // first active month idx
  end: number; // last active month idx
}

export function buildReference(rng: Rng, nOutlets: number, nTechs: number, months: number): { outlets: Outlet[]; techs: Tech[] } {
  const outlets = buildOutlets(nOutlets);
  const { counts, small } = techniciansPerOutlet(outlets, nTechs);
  const techs = createTechnicians(rng, counts, nTechs, months);
  assignTraits(rng, techs, small, nTechs, months);
  return { outlets, techs };
}

/** outlets cycle through the cities; the first 30% are service centres, the next 30% repair shops */
function buildOutlets(nOutlets: number): Outlet[] {
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
  return outlets;
}

/** technicians per outlet: the last outlet is a small one with two technicians (`small`: its index, -1: none) */
function techniciansPerOutlet(outlets: readonly Outlet[], nTechs: number): { counts: number[]; small: number } {
  const nOutlets = outlets.length;
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
  return { counts, small };
}

/** technicians outlet by outlet, with distinct names while the name space lasts */
function createTechnicians(rng: Rng, counts: readonly number[], nTechs: number, months: number): Tech[] {
  const techs: Tech[] = [];
  const width = Math.max(4, String(nTechs).length);
  const names = new Set<string>();
  for (let k = 0; k < counts.length; k++) {
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
  return techs;
}

/** the designated technician's two bad months (indexes into the period) */
export function designatedMonthsOf(months: number): number[] {
  return [Math.floor(months * 0.45), Math.floor(months * 0.45) + 1];
}

/**
 * Traits drawn without replacement from one shuffled pool (the small outlet's pair is set apart):
 * a sixth part-time, a fifteenth poor, one designated (a good technician whose two-month bad streak
 * ends in a dismissal review, and who leaves the month after), a thirtieth leaving from 60% of the
 * period on (two months apart), a sixtieth joining after a quarter of it.
 */
function assignTraits(rng: Rng, techs: Tech[], small: number, nTechs: number, months: number): void {
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
  for (const i of take(Math.max(1, Math.round(nTechs / 15)))) (techs[i] as Tech).bad = true;
  for (const i of take(1)) {
    const t = techs[i] as Tech;
    t.designated = true;
    t.end = Math.min(months - 1, (designatedMonthsOf(months)[1] as number) + 1);
  }
  take(Math.round(nTechs / 30)).forEach((i, n) => {
    (techs[i] as Tech).end = Math.min(months - 1, Math.floor(months * 0.6) + 2 * n);
  });
  for (const i of take(Math.round(nTechs / 60))) (techs[i] as Tech).start = Math.min(months - 1, Math.floor(months * 0.25));
}

/** 工程师.csv, and the outlets as 网点.xlsx (with format variety) or 网点.csv */
export async function writeReferenceFiles(
  outputs: SampleOutputs,
  outDir: string,
  reference: { outlets: readonly Outlet[]; techs: readonly Tech[] },
  months: number,
  formats: boolean,
): Promise<void> {
  const { outlets, techs } = reference;
  const o = outputs.csv('工程师.csv', 'technicians', ['工程师工号', '姓名', '网点编号', '状态']);
  for (const t of techs) o.add([t.id, t.name, (outlets[t.outlet] as Outlet).id, t.end < months - 1 ? '离职' : '在职'].join(','));
  await outputs.close(o);
  if (formats) {
    outputs.written(await writeOutletsXlsx(outDir, outlets));
  } else {
    const w = outputs.csv('网点.csv', 'outlets', ['网点编号', '网点名称', '网点级别', '城市']);
    for (const outlet of outlets) w.add([outlet.id, outlet.name, TIER_ZH[outlet.tier], outlet.city].join(','));
    await outputs.close(w);
  }
}

function writeOutletsXlsx(dir: string, outlets: readonly Outlet[]) {
  const columns = [
    { header: '网点编号', key: 'id', width: 12 },
    { header: '网点名称', key: 'name', width: 28 },
    { header: '网点级别', key: 'tier', width: 14 },
    { header: '城市', key: 'city', width: 10 },
  ];
  const rows = outlets.map((o) => ({ id: o.id, name: o.name, tier: TIER_ZH[o.tier], city: o.city }));
  return writeXlsxSheet(dir, '网点.xlsx', 'outlets', '网点', columns, rows);
}

/** the technicians working in month `idx`, with their weights as a picker wants them */
export function activeTechnicians(techs: readonly Tech[], idx: number): { active: Tech[]; weights: number[] } {
  const active: Tech[] = [];
  const weights: number[] = [];
  for (const t of techs) {
    if (idx >= t.start && idx <= t.end) {
      active.push(t);
      weights.push(t.weight);
    }
  }
  return { active, weights };
}
