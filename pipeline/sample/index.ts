/**
 * Seeded, deterministic generator of realistic after-sales service exports.
 *
 * Produces the monthly exports the pipeline reads (tickets 工单, revisits 回访,
 * complaints 投诉, manual violations 违规, technician and outlet reference data)
 * with the format variety real service systems show: GBK and UTF-8 files,
 * Chinese header aliases, shuffled and extra columns, mixed timestamp, boolean,
 * money and satisfaction spellings. With `mess` a handful of deliberately bad
 * rows is injected at deterministic positions; the summary lists them exactly. With `late` it also
 * writes `late/`, what arrives after HR closed the first months (a late ticket, corrected records,
 * the appeals), and the summary says what each of its records should do.
 *
 * Generation runs month by month and writes through buffered streams, so the
 * same function scales to millions of tickets without holding rows in memory.
 * Same options and seed: byte-identical files.
 *
 * This file owns the order of generation (which fixes every random draw, so it must not change
 * without regenerating the sample) and the summary; each kind lives in its own file beside it.
 * It imports only its siblings; the command line is ./cli.ts. The sample is a tool for tests,
 * the benchmark and the demo: product code never imports it.
 */
import { mkdir } from 'node:fs/promises';
import { complaintAboutTicket, complaintsWithoutTicket, openComplaintFile, writeOrphanComplaints, type ComplaintFile } from './complaints.ts';
import { createContext, resolveOptions, type SampleContext } from './context.ts';
import { writeLateExport } from './late.ts';
import { writeReferenceFiles } from './people.ts';
import { closeFinishedRevisitMonths, closeRemainingRevisitMonths, writeRevisitsOf, type RevisitFiles } from './revisits.ts';
import { drawCreationTimes, openTicketMonth, simulateTicket, Status, ticketsPerMonth, writePendingDuplicate, writeTicketRow } from './tickets.ts';
import { KIND_ORDER, type GenerateSampleOptions, type SampleKind, type SampleSummary } from './types.ts';
import { openViolationFile, writeMonthViolations, type ViolationFile } from './violations.ts';
import { clearGenerated, writeExportNote } from './writers.ts';

export { DEFAULTS } from './types.ts';
export { CLOSED_MONTHS, LATE_DIR } from './late.ts';
export type { AppealDecision, AppealOutcome, GenerateSampleOptions, LateExport, MessProblem, MessRow, SampleFile, SampleKind, SampleSummary } from './types.ts';

/** the files open for the whole run, besides each month's ticket file */
interface LongFiles {
  revisits: RevisitFiles;
  complaints: ComplaintFile;
  violations: ViolationFile;
}

export async function generateSample(options: GenerateSampleOptions): Promise<SampleSummary> {
  const run = resolveOptions(options);
  await mkdir(run.outDir, { recursive: true });
  await clearGenerated(run.outDir);
  const ctx = createContext(run);
  const { cal, outputs } = ctx;

  await writeReferenceFiles(outputs, run.outDir, ctx, run.months, run.formats);
  if (run.mess) outputs.written(await writeExportNote(run.outDir, cal.monthKey(0), cal.monthKey(run.months - 1)));

  const files: LongFiles = { complaints: openComplaintFile(ctx), violations: openViolationFile(ctx), revisits: new Map() };
  const perMonth = ticketsPerMonth(cal, run.months, run.tickets);
  for (let mi = 0; mi < run.months; mi++) await generateMonth(ctx, files, mi, perMonth[mi] as number);

  if (run.mess) writeOrphanComplaints(ctx, files.complaints);
  await closeRemainingRevisitMonths(ctx, files.revisits);
  await outputs.close(files.complaints.out);
  await outputs.close(files.violations.out);
  // after the year's exports: the late export names their lines
  const late = await writeLateExport(ctx);
  return { ...summarise(ctx), late };
}

/** month `mi`'s tickets day by day with their revisits and complaints, then the month's other records */
async function generateMonth(ctx: SampleContext, files: LongFiles, mi: number, tickets: number): Promise<void> {
  const month = openTicketMonth(ctx, mi, tickets);
  for (let d = 0; d < month.days; d++) {
    for (const created of drawCreationTimes(ctx.rng, month, d)) {
      const ticket = simulateTicket(ctx, month, created);
      writeTicketRow(ctx, month, ticket);
      if (ticket.status === Status.Completed && ticket.tech !== null) {
        const verdict = writeRevisitsOf(ctx, files.revisits, ticket);
        complaintAboutTicket(ctx, files.complaints, ticket, verdict);
      }
      await ctx.outputs.flushIfDue();
    }
  }
  writePendingDuplicate(ctx, month);
  complaintsWithoutTicket(ctx, files.complaints, month);
  writeMonthViolations(ctx, files.violations, month);
  await ctx.outputs.close(month.out);
  await closeFinishedRevisitMonths(ctx, files.revisits, mi);
  await ctx.outputs.flushIfDue();
}

function summarise(ctx: SampleContext): Omit<SampleSummary, 'late'> {
  const { run } = ctx;
  const files = ctx.outputs.files;
  files.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const rows: Record<SampleKind, number> = { tickets: 0, revisits: 0, complaints: 0, violations: 0, technicians: 0, outlets: 0, appeals: 0, unrecognised: 0 };
  for (const f of files) rows[f.kind] += f.rows;
  const messRows = ctx.messRows.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return {
    outDir: run.outDir,
    seed: run.seed,
    firstMonth: run.firstMonth,
    months: run.months,
    mess: run.mess,
    formats: run.formats,
    files,
    rows,
    tickets: ctx.statusCount,
    mess_rows: messRows,
  };
}
