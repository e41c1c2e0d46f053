/// <reference lib="dom" />
// Penalties (HR): the month's totals per technician with the training and dismissal-review flags
// and why each is set, the downloads in the page's language, one technician's printable statement
// (#p=<id>) and the outlet fines.
import { clearHash, countColumn, hashFor, tableLabels, textColumn } from './lib/columns.ts';
import { adjustmentMonth, closedNotice, statementClose } from './lib/closes.ts';
import { badge, h, message, type Child } from './lib/dom.ts';
import { integer, naiveTime, signedYuan, yuan } from './lib/format.ts';
import { followHash } from './lib/hash-panel.ts';
import { flagReasons, type FlagReasonCodes, type RuleNames } from './lib/reasons.ts';
import type { AdjustmentRow, OutletPenaltyRow, PenaltyLineRow, PenaltyTotalRow, RunInfo, SettlementAdjustmentRow } from './lib/rows.ts';
import { translateCode } from './lib/strings.ts';
import { startPage, type PageContext } from './lib/shell.ts';
import { sortRows } from './lib/sort.ts';
import { dataTable, type Column } from './lib/table.ts';

type TotalRow = PenaltyTotalRow & FlagReasonCodes;

/** Each flag set: its badge, then why (the row's reason codes in the page's language). */
function flagBadges(ctx: PageContext, row: TotalRow, rules: readonly RuleNames[]): HTMLElement[] {
  const flag = (kind: string, label: string, codes: string | null | undefined) =>
    h('div', { class: 'flag' }, badge(kind, label), ' ', h('span', { class: 'flag-reason' }, flagReasons(ctx.lang, codes, rules).join(ctx.t('pen.reason_separator'))));
  const out: HTMLElement[] = [];
  if (row.dismissal_review) out.push(flag('dismissal', ctx.t('pen.dismissal_review'), row.dismissal_reason));
  if (row.training) out.push(flag('training', ctx.t('pen.training'), row.training_reason));
  return out;
}

/** Flagged technicians first (dismissal review, then training), then the largest amount. */
function flagOrder(row: Pick<PenaltyTotalRow, 'training' | 'dismissal_review'>): number {
  return (row.dismissal_review ? 2 : 0) + (row.training ? 1 : 0);
}

function ruleCell(row: PenaltyLineRow): HTMLElement {
  return h('span', { class: 'rule' }, h('span', { class: 'rule-zh', lang: 'zh-CN' }, row.rule_name_zh ?? row.rule_id), h('span', { class: 'rule-en', lang: 'en' }, row.rule_name_en ?? row.rule_id));
}

/**
 * What the account's role may read of this page (server/access-rules.ts decides; asking for more
 * only gets a 403 shown as an error): HR everything; a manager the totals only (with their
 * adjustments), no statement line, no download, no outlet fine, no adjustment line; an outlet its
 * own totals, statements, fines and adjustments, no download.
 */
function readableBy(role: string | undefined): { downloads: boolean; statements: boolean; outletFines: boolean; adjustments: boolean } {
  return { downloads: role === 'hr', statements: role !== 'manager', outletFines: role !== 'manager', adjustments: role !== 'manager' };
}

/** The month's HR downloads, in the page's language (penalties/<month>.csv in Chinese, .en.csv in English). */
function downloadButtons(ctx: PageContext): HTMLElement {
  const file = `${ctx.month}${ctx.lang === 'en' ? '.en' : ''}`;
  return h(
    'div',
    { class: 'actions' },
    h('a', { class: 'button', id: 'download-csv', href: ctx.url(`penalties/${file}.csv`), download: `penalties-${file}.csv` }, ctx.t('pen.download_csv')),
    h('a', { class: 'button', id: 'download-xlsx', href: ctx.url(`penalties/${file}.xlsx`), download: `penalties-${file}.xlsx` }, ctx.t('pen.download_xlsx')),
  );
}

/** A line's appeal (spec 6.3): the decision that stands, and the amount it decided (waived, reduced: before → after). */
function appealCell(ctx: PageContext, line: PenaltyLineRow): Child {
  const decision = line.appeal_decision;
  if (!decision) return '—';
  const changed = decision === 'reduced' || decision === 'waived';
  const change = ctx.t('pen.appeal_change', { before: yuan(ctx.lang, line.amount_before_appeal), amount: yuan(ctx.lang, line.amount) });
  return h(
    'span',
    { class: 'appeal', 'data-decision': decision, title: line.appeal_id ? `${ctx.t('pen.appeal')} ${line.appeal_id}` : undefined },
    badge(`appeal-${decision}`, translateCode(ctx.lang, 'decision', decision)),
    changed ? h('span', { class: 'appeal-change' }, change) : null,
  );
}

function reasonCell(ctx: PageContext, reason: string): HTMLElement {
  return badge(`reason-${reason}`, translateCode(ctx.lang, 'adj.reason', reason));
}

/** The columns of penalty adjustments (adjustments/<month>.json); `withTechnician` for the page's list, not a statement. */
function adjustmentColumns(ctx: PageContext, withTechnician: boolean): Column<AdjustmentRow>[] {
  const rule = (r: AdjustmentRow) => h('span', { class: 'rule' }, h('span', { class: 'rule-zh', lang: 'zh-CN' }, r.rule_name_zh ?? r.rule_id ?? '—'), h('span', { class: 'rule-en', lang: 'en' }, r.rule_name_en ?? r.rule_id ?? '—'));
  const technician = textColumn<AdjustmentRow>('technician_id', ctx.t('adj.technician'), (r) => r.technician_id, { render: (r) => `${r.technician_name ?? ''} ${r.technician_id ?? '—'}`.trim() });
  return [
    textColumn<AdjustmentRow>('line_id', ctx.t('adj.line_id'), (r) => r.line_id, { rowHeader: true, render: (r) => h('code', null, r.line_id) }),
    textColumn<AdjustmentRow>('original_month', ctx.t('adj.original_month'), (r) => r.original_month),
    ...(withTechnician ? [technician] : []),
    { key: 'rule', label: ctx.t('pen.rule'), value: (r) => r.rule_id, render: rule, className: 'wrap' },
    { key: 'reason', label: ctx.t('adj.reason'), value: (r) => r.reason, render: (r) => reasonCell(ctx, r.reason) },
    { key: 'amount', label: ctx.t('pen.adjustments'), numeric: true, value: (r) => r.amount, render: (r) => signedYuan(ctx.lang, r.amount) },
  ];
}

/** A table of penalty adjustments, their sum in the total row. */
function adjustmentTable(ctx: PageContext, rows: AdjustmentRow[], id: string, withTechnician: boolean): HTMLElement {
  const columns = adjustmentColumns(ctx, withTechnician);
  return dataTable({
    columns,
    rows,
    labels: tableLabels(ctx),
    id,
    footer: (shown) => [ctx.t('common.total'), ...columns.slice(2).map(() => null), signedYuan(ctx.lang, shown.reduce((a, r) => a + r.amount, 0))],
  }).element;
}

/** The penalty adjustments booked into the month (spec 6.2): HR's and an outlet's own; a manager reads the totals only. */
async function buildAdjustments(ctx: PageContext, body: HTMLElement): Promise<void> {
  body.append(h('p', { class: 'note' }, ctx.t('adj.note')));
  const rows = await ctx.json<AdjustmentRow[]>(`adjustments/${ctx.month}.json`);
  if (rows.length === 0) {
    body.append(message('info', ctx.t('adj.none')));
    return;
  }
  body.append(adjustmentTable(ctx, rows, 'adjustments-table', true));
}

/** The month's adjustments of outlet fines (settlement_adjustments/<month>.json, OUTLET_OVERCHARGE), when there are any. */
async function fineAdjustments(ctx: PageContext, body: HTMLElement): Promise<void> {
  const rows = (await ctx.json<SettlementAdjustmentRow[]>(`settlement_adjustments/${ctx.month}.json`)).filter((r) => r.rule_id === 'OUTLET_OVERCHARGE');
  if (rows.length === 0) return;
  const columns: Column<SettlementAdjustmentRow>[] = [
    textColumn<SettlementAdjustmentRow>('line_id', ctx.t('adj.line_id'), (r) => r.line_id, { rowHeader: true, render: (r) => h('code', null, r.line_id) }),
    textColumn<SettlementAdjustmentRow>('original_month', ctx.t('adj.original_month'), (r) => r.original_month),
    textColumn<SettlementAdjustmentRow>('outlet_id', ctx.t('col.outlet_id'), (r) => r.outlet_id),
    { key: 'reason', label: ctx.t('adj.reason'), value: (r) => r.reason, render: (r) => reasonCell(ctx, r.reason) },
    { key: 'amount', label: ctx.t('pen.adjustments'), numeric: true, value: (r) => r.amount, render: (r) => signedYuan(ctx.lang, r.amount) },
  ];
  body.append(h('h3', null, ctx.t('adj.fines')), dataTable({ columns, rows, labels: tableLabels(ctx), id: 'fine-adjustments-table' }).element);
}

/** A statement's adjustments booked into the month, and what is due in all. */
async function statementAdjustments(ctx: PageContext, id: string, lineSum: number): Promise<HTMLElement[]> {
  const rows = (await ctx.json<AdjustmentRow[]>(`adjustments/${ctx.month}.json`)).filter((r) => r.technician_id === id);
  if (rows.length === 0) return [];
  const due = lineSum + rows.reduce((a, r) => a + r.amount, 0);
  return [h('h3', null, ctx.t('adj.statement')), adjustmentTable(ctx, rows, 'statement-adjustments', false), h('p', { class: 'statement-due', id: 'statement-due' }, `${ctx.t('pen.due_total')}: ${yuan(ctx.lang, due)}`)];
}

/** The totals' adjustments booked into the month and the amount due (amount + adjustments). */
function dueColumns(ctx: PageContext): Column<TotalRow>[] {
  return [
    { key: 'adjustments', label: ctx.t('pen.adjustments'), numeric: true, value: (r) => r.adjustments ?? 0, render: (r) => signedYuan(ctx.lang, r.adjustments ?? 0) },
    { key: 'amount_due', label: ctx.t('pen.amount_due'), numeric: true, value: (r) => r.amount_due ?? r.amount, render: (r) => yuan(ctx.lang, r.amount_due ?? r.amount) },
  ];
}

type StatementLine = PenaltyLineRow & { n: number };

/** The columns of a printed statement's lines, the appeal that stands for each among them. */
function statementColumns(ctx: PageContext): Column<StatementLine>[] {
  const idCell = (value: string | null) => (value ? h('code', null, value) : '—');
  return [
    { key: 'n', label: ctx.t('pen.line_no'), numeric: true, rowHeader: true, value: (r) => r.n, sortable: false },
    { key: 'occurred_at', label: ctx.t('pen.occurred_at'), value: (r) => r.occurred_at, render: (r) => naiveTime(r.occurred_at), sortable: false },
    { key: 'rule', label: ctx.t('pen.rule'), value: (r) => r.rule_id, render: ruleCell, sortable: false, className: 'wrap' },
    { key: 'rule_id', label: ctx.t('pen.rule_id'), value: (r) => r.rule_id, render: (r) => h('code', null, r.rule_id), sortable: false },
    { key: 'ticket_id', label: ctx.t('pen.ticket_id'), value: (r) => r.ticket_id, render: (r) => idCell(r.ticket_id), sortable: false },
    { key: 'revisit_id', label: ctx.t('pen.revisit_id'), value: (r) => r.revisit_id, render: (r) => idCell(r.revisit_id), sortable: false },
    { key: 'complaint_id', label: ctx.t('pen.complaint_id'), value: (r) => r.complaint_id, render: (r) => idCell(r.complaint_id), sortable: false },
    { key: 'violation_id', label: ctx.t('pen.violation_id'), value: (r) => r.violation_id, render: (r) => idCell(r.violation_id), sortable: false },
    { key: 'dismissal', label: ctx.t('pen.dismissal_flag'), value: (r) => r.dismissal, render: (r) => (r.dismissal ? badge('dismissal', ctx.t('common.yes')) : ''), sortable: false },
    { key: 'appeal', label: ctx.t('pen.appeal'), value: (r) => r.appeal_decision ?? null, render: (r) => appealCell(ctx, r), sortable: false },
    { key: 'amount', label: ctx.t('pen.amount'), numeric: true, value: (r) => r.amount, render: (r) => yuan(ctx.lang, r.amount), sortable: false },
  ];
}

let statementRequest = 0;

async function renderStatement(ctx: PageContext, panel: HTMLElement, id: string, totals: TotalRow[], rules: readonly RuleNames[]): Promise<void> {
  const request = ++statementRequest;
  panel.replaceChildren();
  panel.hidden = false;
  panel.dataset.state = 'loading';
  document.body.classList.add('printing-statement');
  const total = totals.find((r) => r.technician_id === id);
  const heading = h('h2', { id: 'statement-heading', tabindex: '-1' }, `${ctx.t('pen.statement')} · ${ctx.month}`);
  const print = h('button', { type: 'button', class: 'print-button button-primary', onclick: () => window.print() }, ctx.t('pen.print'));
  const close = h('button', { type: 'button', class: 'close-button', onclick: () => clearHash() }, ctx.t('common.close'));
  panel.append(
    h('div', { class: 'panel-head' }, heading, h('div', { class: 'actions' }, print, close)),
    h('p', { class: 'statement-meta' }, ctx.t('pen.statement_meta', { month: ctx.month, id, name: total?.technician_name ?? '', outlet: total?.outlet_id ?? '—' })),
    // printed with it: the month's close (time, who, the whole sha256), or that it is still open
    statementClose(ctx.lang, ctx.closes, ctx.month),
  );
  if (total) panel.append(h('div', { class: 'flags' }, flagBadges(ctx, total, rules)));
  heading.focus({ preventScroll: true });
  panel.scrollIntoView({ block: 'start' });

  try {
    // one file holds the month's lines of every technician, in statement order
    const lines = (await ctx.json<PenaltyLineRow[]>(`penalty_lines/${ctx.month}.json`)).filter((line) => line.technician_id === id);
    // another statement was asked for meanwhile: that request draws the panel
    if (request !== statementRequest) return;
    const numbered = lines.map((line, i) => ({ ...line, n: i + 1 }));
    const columns = statementColumns(ctx);
    const sum = lines.reduce((acc, line) => acc + (line.amount ?? 0), 0);
    // the adjustments booked into this month for the technician, and what is due with them
    const adjustments = await statementAdjustments(ctx, id, sum);
    if (request !== statementRequest) return;
    panel.append(
      dataTable({
        columns,
        rows: numbered,
        labels: tableLabels(ctx),
        id: 'statement-table',
        footer: () => [ctx.t('pen.total'), ...columns.slice(2).map(() => null), yuan(ctx.lang, sum)],
      }).element,
      ...adjustments,
      h(
        'div',
        { class: 'signatures' },
        h('p', null, ctx.t('pen.sign_technician')),
        h('p', null, ctx.t('pen.sign_hr')),
        h('p', null, ctx.t('pen.sign_date')),
      ),
    );
  } catch (e) {
    if (request !== statementRequest) return;
    panel.append(ctx.errorMessage(e));
  }
  panel.dataset.state = 'ready';
}

type Readable = ReturnType<typeof readableBy>;

/** The line above the totals: how many technicians, how much, how many flagged; with `due`, the adjustments and what is due. */
function totalsSummary(ctx: PageContext, totals: TotalRow[], due: boolean): HTMLElement {
  const amount = totals.reduce((acc, r) => acc + (r.amount ?? 0), 0);
  const adjusted = totals.reduce((acc, r) => acc + (r.adjustments ?? 0), 0);
  return h(
    'p',
    { class: 'note', id: 'penalty-summary' },
    ctx.t('pen.summary', {
      count: integer(ctx.lang, totals.length),
      amount: yuan(ctx.lang, amount),
      training: integer(ctx.lang, totals.filter((r) => r.training).length),
      dismissal: integer(ctx.lang, totals.filter((r) => r.dismissal_review).length),
    }),
    due ? ` ${ctx.t('pen.summary_due', { adjustments: signedYuan(ctx.lang, adjusted), due: yuan(ctx.lang, amount + adjusted) })}` : '',
  );
}

/** The totals' columns: the technician (a link to the statement where the role may read it), the flags with why, counts and amounts. */
function totalColumns(ctx: PageContext, rules: readonly RuleNames[], may: Readable, due: boolean): Column<TotalRow>[] {
  return [
    textColumn<TotalRow>('technician_id', ctx.t('col.technician_id'), (r) => r.technician_id, {
      rowHeader: true,
      render: (r) => (may.statements ? h('a', { href: `#${hashFor('p', r.technician_id)}`, class: 'row-link', title: ctx.t('pen.open_statement', { id: r.technician_id }) }, r.technician_id) : r.technician_id),
    }),
    textColumn<TotalRow>('technician_name', ctx.t('col.technician_name'), (r) => r.technician_name),
    textColumn<TotalRow>('outlet_id', ctx.t('col.outlet'), (r) => r.outlet_id),
    { key: 'flags', label: ctx.t('pen.flags'), value: (r) => flagOrder(r), render: (r) => flagBadges(ctx, r, rules), className: 'wrap' },
    countColumn<TotalRow>(ctx, 'violations', ctx.t('pen.violations'), (r) => r.violations),
    countColumn<TotalRow>(ctx, 'violations_ytd', ctx.t('pen.violations_ytd'), (r) => r.violations_ytd),
    { key: 'amount', label: ctx.t('pen.amount'), numeric: true, value: (r) => r.amount, render: (r) => yuan(ctx.lang, r.amount) },
    ...(due ? dueColumns(ctx) : []),
  ];
}

/** The month's totals per technician, flagged first, with the total row. */
function totalsTable(ctx: PageContext, totals: TotalRow[], rules: readonly RuleNames[], may: Readable, due: boolean): HTMLElement {
  return dataTable({
    columns: totalColumns(ctx, rules, may, due),
    // flagged first, shown as the flags column's sort; equal flags by the largest amount
    rows: sortRows(totals, (r) => r.amount, 'desc'),
    sort: { key: 'flags', direction: 'desc' },
    pageSize: 200,
    labels: tableLabels(ctx),
    id: 'penalty-table',
    rowClass: (r) => (flagOrder(r) > 0 ? 'flagged-row' : undefined),
    footer: (rows) => [
      ctx.t('common.total'), null, null, null, integer(ctx.lang, rows.reduce((a, r) => a + r.violations, 0)), null, yuan(ctx.lang, rows.reduce((a, r) => a + r.amount, 0)),
      ...(due ? [signedYuan(ctx.lang, rows.reduce((a, r) => a + (r.adjustments ?? 0), 0)), yuan(ctx.lang, rows.reduce((a, r) => a + (r.amount_due ?? r.amount), 0))] : []),
    ],
  }).element;
}

/** The totals section once the totals are in: the summary and the table, or that there is no penalty. */
function renderTotals(ctx: PageContext, body: HTMLElement, totals: TotalRow[], rules: readonly RuleNames[], may: Readable): void {
  if (totals.length === 0) {
    body.append(message('info', ctx.t('pen.none')));
    return;
  }
  // adjustments and the amount due: in the month adjustments are booked into, or one that has some
  const due = ctx.month === adjustmentMonth(ctx.closes) || totals.some((r) => (r.adjustments ?? 0) !== 0);
  body.append(totalsSummary(ctx, totals, due));
  body.append(totalsTable(ctx, totals, rules, may, due));
}

function outletFineColumns(ctx: PageContext): Column<OutletPenaltyRow>[] {
  return [
    textColumn<OutletPenaltyRow>('outlet_id', ctx.t('col.outlet_id'), (r) => r.outlet_id, { rowHeader: true }),
    textColumn<OutletPenaltyRow>('outlet_name', ctx.t('col.outlet_name'), (r) => r.outlet_name),
    textColumn<OutletPenaltyRow>('complaint_id', ctx.t('pen.complaint_id'), (r) => r.complaint_id),
    textColumn<OutletPenaltyRow>('ticket_id', ctx.t('pen.ticket_id'), (r) => r.ticket_id),
    { key: 'overcharge', label: ctx.t('pen.overcharge'), numeric: true, value: (r) => r.overcharge, render: (r) => yuan(ctx.lang, r.overcharge) },
    { key: 'amount', label: ctx.t('pen.amount'), numeric: true, value: (r) => r.amount, render: (r) => yuan(ctx.lang, r.amount) },
  ];
}

/** The outlets fined for overcharging in the month, with the multiplier the run used. */
async function renderOutletFines(ctx: PageContext, body: HTMLElement, runPromise: Promise<RunInfo | null>): Promise<void> {
  const [fines, run] = await Promise.all([ctx.json<OutletPenaltyRow[]>(`outlet_penalties/${ctx.month}.json`), runPromise]);
  body.append(h('p', { class: 'note' }, ctx.t('pen.outlet_fines_note', { multiplier: run?.config?.outlet_overcharge_multiplier ?? 10 })));
  if (fines.length === 0) {
    body.append(message('info', ctx.t('pen.outlet_fines_empty')));
    return;
  }
  body.append(
    dataTable({
      columns: outletFineColumns(ctx),
      rows: fines,
      sort: { key: 'amount', direction: 'desc' },
      labels: tableLabels(ctx),
      id: 'outlet-fines-table',
      footer: (rows) => [ctx.t('common.total'), null, null, null, yuan(ctx.lang, rows.reduce((a, r) => a + (r.overcharge ?? 0), 0)), yuan(ctx.lang, rows.reduce((a, r) => a + r.amount, 0))],
    }).element,
  );
}

/** The outlet fines section, then the adjustments of closed months' fines booked into this month. */
function outletFinesSection(ctx: PageContext, main: HTMLElement, runPromise: Promise<RunInfo | null>): Promise<HTMLElement> {
  return ctx.section(main, ctx.t('pen.outlet_fines', { month: ctx.month }), (body) => renderOutletFines(ctx, body, runPromise), { id: 'outlet-fines' }).then(async (section) => {
    // the fines of closed months changed since: booked into this month
    await fineAdjustments(ctx, section.querySelector<HTMLElement>('.section-body')!).catch((e: unknown) => section.append(ctx.errorMessage(e)));
    return section;
  });
}

function closeStatement(statement: HTMLElement): void {
  statementRequest += 1;
  statement.hidden = true;
  statement.replaceChildren();
  document.body.classList.remove('printing-statement');
}

startPage({
  id: 'penalties',
  titleKey: 'pen.title',
  monthly: true,
  async render(ctx, main) {
    main.append(h('h1', null, ctx.t('pen.title')), closedNotice(ctx.lang, ctx.closes, ctx.month) ?? '');
    const statement = h('section', { class: 'panel statement', id: 'statement', 'aria-labelledby': 'statement-heading', hidden: true });
    main.append(statement);
    ctx.onCleanup(() => document.body.classList.remove('printing-statement'));

    const totalsPromise = ctx.json<TotalRow[]>(`penalties/${ctx.month}.json`);
    // the rules' names, for the flags' reasons (without them a reason names the rule by its id)
    const runPromise = ctx.json<RunInfo>('run.json').catch(() => null);
    // the statement panel reads these once the totals are in
    let totals: TotalRow[] = [];
    let rules: readonly RuleNames[] = [];
    const may = readableBy(ctx.manifest.access?.role);

    const totalsSection = ctx.section(main, ctx.t('pen.totals', { month: ctx.month }), async (body) => {
      if (may.downloads) body.append(downloadButtons(ctx));
      [totals, rules] = await Promise.all([totalsPromise, runPromise.then((run) => run?.config?.penalty_rules ?? [])]);
      renderTotals(ctx, body, totals, rules, may);
    }, { id: 'totals' });
    const adjustmentSection = !may.adjustments ? null : ctx.section(main, ctx.t('adj.title', { month: ctx.month }), (body) => buildAdjustments(ctx, body), { id: 'adjustments' });
    const outletSection = !may.outletFines ? null : outletFinesSection(ctx, main, runPromise);

    await Promise.all([totalsSection, adjustmentSection, outletSection]);
    // a role without statements (a manager) gets none by the hash either: the panel stays closed
    await followHash(ctx, 'p', async (id) => (may.statements ? renderStatement(ctx, statement, id, totals, rules) : closeStatement(statement)), () => closeStatement(statement));
  },
});
