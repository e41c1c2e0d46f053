/**
 * The late export (补录, 更正): what reaches HQ after HR closed the first months of the sample, in a
 * folder of its own, `late/`, so that the first load does not read it (the loader reads the files
 * of the input folder, not its folders). Loaded after those closes, it changes lines of the closed
 * months, and each difference is booked in the first open month (spec 6.2):
 * - 工单_<second month>_补录.csv and 回访_<second month>_补录.csv: a ticket entered late, with its
 *   call, whose customer says no shoe covers were worn: a new line (and a new settlement line);
 * - 回访_更正.csv: a call of the first month re-exported with the answer that was keyed wrong put
 *   right: its line is gone;
 * - 违规_更正.csv: an inspector's finding re-exported with the amount revised: an amount changed;
 * - 申诉.csv: the appeals (./appeals.ts), on closed months' lines (appeal adjustments) and open ones.
 * Every line it touches comes from the line book (./lines.ts): real lines of the sample.
 * Owns the late folder. Imports only siblings.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { MIN_PER_DAY } from './calendar.ts';
import type { SampleContext } from './context.ts';
import { writeAppeals, type AppealPlanner } from './appeals.ts';
import { halved, type LineBook, type PlannedLine } from './lines.ts';
import type { Tech } from './people.ts';
import { R_COLS } from './revisits.ts';
import type { LateExport } from './types.ts';
import { V_COLS } from './violations.ts';
import { quoteField, SampleOutputs } from './writers.ts';

/**
 * The months closed before the late export is loaded: the first three of the sample. npm start's
 * sample setup (dashboard/sample-setup.ts) closes as many; the two numbers go together.
 */
export const CLOSED_MONTHS = 3;
export const LATE_DIR = 'late';
/** the month of the ticket entered late (the second, a closed month) */
const LATE_TICKET_MONTH = 1;
/** the ids a system gives records entered by hand after the export: far above any month's count */
const LATE_SEQ = '900001';

/** what a supplementary-entry screen exports: fewer columns than the service system's export */
const LATE_TICKET_COLS = [
  '工单号', '网点编号', '工程师工号', '服务类型', '产品品类', '受理时间', '预约开始时间', '预约结束时间', '上门时间',
  '完工时间', '工单状态', '实收金额', '标准收费', '更新时间',
] as const;

/** the late folder's files, or null when the period is too short to close months before it */
export async function writeLateExport(ctx: SampleContext): Promise<LateExport | null> {
  const book = ctx.lines;
  if (book === null || ctx.run.months <= CLOSED_MONTHS) return null;
  const dir = path.join(ctx.run.outDir, LATE_DIR);
  await mkdir(dir, { recursive: true });
  const outputs = new SampleOutputs(dir);
  const changes: LateExport['changes'] = [];
  // the changes first: the appeals take what lines are left
  const newLine = await writeLateTicket(ctx, outputs);
  if (newLine !== null) changes.push({ line_id: newLine, month: ctx.cal.monthKey(LATE_TICKET_MONTH), reason: 'new_line' });
  const gone = await writeCorrectedAnswer(ctx, outputs, book);
  if (gone !== null) changes.push({ line_id: gone.lineId, month: ctx.cal.monthKey(gone.monthIdx), reason: 'line_gone' });
  const changed = await writeRevisedAmount(ctx, outputs, book);
  if (changed !== null) changes.push({ line_id: changed.lineId, month: ctx.cal.monthKey(changed.monthIdx), reason: 'amount_changed' });
  const appeals = await writeAppeals(ctx, outputs, appealPlanner(ctx, book));
  return {
    dir,
    closed: Array.from({ length: CLOSED_MONTHS }, (_, i) => ctx.cal.monthKey(i)),
    files: outputs.files.map((f) => ({ ...f, file: `${LATE_DIR}/${f.file}` })),
    changes,
    appeals,
  };
}

/** minutes at `minuteOfDay` on day `day` (1-based) of month `monthIdx` */
function dayAt(ctx: SampleContext, monthIdx: number, day: number, minuteOfDay: number): number {
  return (ctx.cal.monthStartDay(monthIdx) + day - 1) * MIN_PER_DAY + minuteOfDay;
}

function appealPlanner(ctx: SampleContext, book: LineBook): AppealPlanner {
  return { book, closedMonths: CLOSED_MONTHS, months: ctx.run.months, dayAt: (m, d, t) => dayAt(ctx, m, d, t) };
}

/** a careful technician working in the late ticket's month: his month's ranking does not move */
function lateTechnician(ctx: SampleContext): Tech | null {
  return ctx.techs.find((t) => t.start <= LATE_TICKET_MONTH && LATE_TICKET_MONTH <= t.end && !t.bad && !t.designated) ?? null;
}

/** the ticket entered late and its call (shoe covers: no); returns its line id */
async function writeLateTicket(ctx: SampleContext, outputs: SampleOutputs): Promise<string | null> {
  const tech = lateTechnician(ctx);
  if (tech === null) return null;
  const { cal } = ctx;
  const ticketId = 'GD' + cal.compactMonthKey(LATE_TICKET_MONTH) + LATE_SEQ;
  const day = dayAt(ctx, LATE_TICKET_MONTH, 16, 0);
  const at = (minuteOfDay: number, days = 0) => cal.fmt(day + days * MIN_PER_DAY + minuteOfDay, 'std');
  const enteredAt = cal.fmt(dayAt(ctx, CLOSED_MONTHS, 3, 600), 'std');
  const tickets = outputs.csv(`工单_${cal.monthKey(LATE_TICKET_MONTH)}_补录.csv`, 'tickets', LATE_TICKET_COLS);
  const outlet = ctx.outlets[tech.outlet]?.id ?? '';
  tickets.add([ticketId, outlet, tech.id, '安装', '空调', at(552), at(840), at(960), at(875), at(950), '已完成', '0.00', '0.00', enteredAt].join(','));
  await outputs.close(tickets);

  const revisits = outputs.csv(`回访_${cal.monthKey(LATE_TICKET_MONTH)}_补录.csv`, 'revisits', R_COLS);
  const answers = ['是', '是', '否', '是', '是', '是', '是', '是'];
  revisits.add(['HF' + cal.compactMonthKey(LATE_TICKET_MONTH) + LATE_SEQ, ticketId, at(620, 1), '是', '一般', ...answers, quoteField('未穿鞋套,弄脏地板')].join(','));
  await outputs.close(revisits);
  return `NO_SHOE_COVERS:${ticketId}`;
}

/** a first-month call with its "no" put right (the operator keyed the wrong answer): that line is gone */
async function writeCorrectedAnswer(ctx: SampleContext, outputs: SampleOutputs, book: LineBook): Promise<PlannedLine | null> {
  const line = book.take(0, 'revisit', (l) => l.ruleId !== 'OVERCHARGE');
  if (line === null || line.source.kind !== 'revisit') return null;
  const row = [...line.source.row];
  row[line.source.answerColumn] = '是';
  const file = outputs.csv('回访_更正.csv', 'revisits', R_COLS);
  file.add(row.join(','));
  await outputs.close(file);
  return line;
}

/** an inspector's finding of a closed month re-exported with its amount revised on review */
async function writeRevisedAmount(ctx: SampleContext, outputs: SampleOutputs, book: LineBook): Promise<PlannedLine | null> {
  const fits = (l: PlannedLine) => l.ruleId !== 'OVERCHARGE' && l.amount >= 20;
  let line: PlannedLine | null = null;
  for (let m = LATE_TICKET_MONTH; m < CLOSED_MONTHS + LATE_TICKET_MONTH && line === null; m++) line = book.take(m % CLOSED_MONTHS, 'violation', fits);
  if (line === null || line.source.kind !== 'violation') return null;
  const row = [...line.source.row];
  row[4] = halved(line.amount).toFixed(2);
  row[5] = quoteField('复核后调整罚款金额');
  const file = outputs.csv('违规_更正.csv', 'violations', V_COLS);
  file.add(row.join(','));
  await outputs.close(file);
  return line;
}
