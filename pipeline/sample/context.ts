/**
 * What one generation run shares across the kinds it makes: the resolved options, the calendar,
 * the three random streams, the network, the technicians' conduct, the recently serviced products,
 * the open files, the mess rows written so far and the book of lines the late export draws on.
 * Owns resolving options and building that state. Imports only siblings.
 */
import { Calendar, MIN_PER_DAY } from './calendar.ts';
import { Conduct, planOvercharges, type PlannedOvercharge } from './conduct.ts';
import { LineBook } from './lines.ts';
import { planMess, type MessPlan } from './mess.ts';
import { buildReference, designatedMonthsOf, type Outlet, type Tech } from './people.ts';
import { ProductBook } from './products.ts';
import { Rng } from './random.ts';
import { DEFAULTS, type GenerateSampleOptions, type MessRow } from './types.ts';
import { SampleOutputs } from './writers.ts';

export interface SampleRun {
  outDir: string;
  seed: number;
  tickets: number;
  technicians: number;
  outlets: number;
  firstMonth: string;
  firstYear: number;
  firstMonthOfYear: number;
  months: number;
  mess: boolean;
  formats: boolean;
  late: boolean;
}

export interface SampleContext {
  run: SampleRun;
  cal: Calendar;
  /** the data itself */
  rng: Rng;
  /** spellings and per-row formats only, so that a format change never moves the data */
  spellingRng: Rng;
  /** mess rows only */
  messRng: Rng;
  outlets: Outlet[];
  techs: Tech[];
  outputs: SampleOutputs;
  messRows: MessRow[];
  plan: MessPlan;
  statusCount: { completed: number; cancelled: number; open: number };
  firstDay: number;
  /** export cut-off, minutes: the end of the last month */
  cutoff: number;
  /** revisit export cut-off, minutes: the call centre's export was taken ten days later */
  revisitCutoff: number;
  /** the technicians' faults this year */
  conduct: Conduct;
  /** the period's few overcharges, at fixed places */
  overcharges: PlannedOvercharge[];
  /** recently serviced products, for return visits */
  products: ProductBook;
  /** the month exported in GBK with slash timestamps (-1: none) */
  gbkIdx: number;
  /** the two months of the designated technician's bad streak */
  designatedMonths: number[];
  /** the penalty lines sure to be found, kept for the late export and the appeals (null: no late export) */
  lines: LineBook | null;
}

export function resolveOptions(options: GenerateSampleOptions): SampleRun {
  const technicians = Math.max(1, Math.floor(options.technicians ?? DEFAULTS.technicians));
  const firstMonth = options.firstMonth ?? DEFAULTS.firstMonth;
  const fm = /^(\d{4})-(\d{2})$/.exec(firstMonth);
  if (!fm) throw new Error(`firstMonth must look like YYYY-MM, got ${firstMonth}`);
  const firstMonthOfYear = Number(fm[2]);
  if (firstMonthOfYear < 1 || firstMonthOfYear > 12) throw new Error(`firstMonth must look like YYYY-MM, got ${firstMonth}`);
  return {
    outDir: options.outDir,
    seed: (options.seed ?? DEFAULTS.seed) >>> 0,
    tickets: Math.max(0, Math.floor(options.tickets ?? DEFAULTS.tickets)),
    technicians,
    outlets: Math.max(1, Math.min(technicians, Math.floor(options.outlets ?? DEFAULTS.outlets))),
    firstMonth,
    firstYear: Number(fm[1]),
    firstMonthOfYear,
    months: Math.max(1, Math.floor(options.months ?? DEFAULTS.months)),
    mess: options.mess ?? true,
    formats: options.formats ?? true,
    late: options.late ?? false,
  };
}

export function createContext(run: SampleRun): SampleContext {
  const cal = new Calendar(run.firstYear, run.firstMonthOfYear);
  const { outlets, techs } = buildReference(new Rng(run.seed ^ 0x9e3779b9), run.outlets, run.technicians, run.months);
  const gbkIdx = run.formats && run.months > 4 ? 4 : -1;
  const designatedMonths = designatedMonthsOf(run.months);
  const cutoff = cal.monthStartDay(run.months) * MIN_PER_DAY;
  return {
    run,
    cal,
    rng: new Rng(run.seed),
    spellingRng: new Rng(run.seed ^ 0x5bd1e995),
    messRng: new Rng(run.seed ^ 0x27d4eb2f),
    outlets,
    techs,
    outputs: new SampleOutputs(run.outDir),
    messRows: [],
    plan: planMess(run.mess, run.months, gbkIdx),
    statusCount: { completed: 0, cancelled: 0, open: 0 },
    firstDay: cal.monthStartDay(0),
    cutoff,
    revisitCutoff: cutoff + 10 * MIN_PER_DAY,
    conduct: new Conduct(cal, designatedMonths),
    overcharges: planOvercharges(run.months, run.tickets),
    products: new ProductBook(),
    gbkIdx,
    designatedMonths,
    lines: run.late ? new LineBook() : null,
  };
}
