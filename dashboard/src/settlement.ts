/// <reference lib="dom" />
// Settlement (spec 5.4): what HQ pays each outlet for the month. HR sees every outlet (settled, fees,
// withheld and withheld fees, fines, net, payment due) and opens an outlet's printable statement
// (#o=<outlet id>); an outlet's account sees only its own statement. A manager has no such page
// (spec §7: the server refuses it and its files). Every number is a published one
// (dashboard/DATA.md: settlement/<month>.json, by_outlet/<outlet>/settlement*.json). The tickets
// withheld are published once per run of months in one state: the page keeps the runs that hold
// the month.
import { clearHash, countColumn, hashFor, hashParam, tableLabels, textColumn, tierLabel } from './lib/columns.ts';
import { closedNotice, statementClose } from './lib/closes.ts';
import { idFileName, urlSegment } from './lib/data.ts';
import { type Child, h, message } from './lib/dom.ts';
import { integer, naiveTime, yuan } from './lib/format.ts';
import type { OutletPenaltyRow } from './lib/rows.ts';
import { startPage, type PageContext } from './lib/shell.ts';
import { translateCode, type StringKey } from './lib/strings.ts';
import { dataTable, type Column } from './lib/table.ts';

/** A row of settlement/<month>.json (settlement_totals with the outlet's name and tier). */
interface SettlementRow {
  month: string;
  outlet_id: string;
  outlet_name: string | null;
  tier: string | null;
  tickets_settled: number;
  fees: number;
  outlet_fines: number;
  net: number;
  tickets_withheld: number;
  withheld_fees: number;
  payment_due: string;
  settled_by_service: { service_type: string; tickets: number; fees: number }[];
  withheld_by_reason: { withheld_reason: string; tickets: number; fees: number }[];
  /** the month's own (completion_month = month) and those carried over from earlier months */
  withheld_by_completion_month: { completion_month: string; tickets: number; fees: number }[];
}

/** A completed ticket of an outlet's settlement files, settled or withheld, with its fee. */
interface OutletTicket {
  outlet_id: string;
  ticket_id: string;
  technician_id: string | null;
  technician_name: string | null;
  service_type: string | null;
  completed_at: string;
  fee: number | null;
}

/** A row of by_outlet/<outlet>/settlement_lines.json: a ticket settled in the month. */
interface SettlementLine extends OutletTicket {
  settlement_month: string;
  revisit_id: string | null;
  revisit_at: string | null;
}

/**
 * A row of by_outlet/<outlet>/settlement_withheld.json: a ticket withheld at the end of every month
 * from withheld_from to withheld_to, why and its calls so far.
 */
interface WithheldRun extends OutletTicket {
  withheld_from: string;
  withheld_to: string;
  withheld_reason: string;
  calls: number;
  last_call_id: string | null;
  last_call_at: string | null;
}

/** A row of the statement's withheld table: a ticket completed in the month, or the tickets carried over from a month. */
type CarriedItem = { kind: 'carried'; completion_month: string; tickets: number; fees: number };
type WithheldItem = { kind: 'ticket'; n: number; run: WithheldRun } | CarriedItem;

const LANG_SUFFIX = { zh: '', en: '.en' } as const;

/** The outlet's folder under by_outlet/, as a URL segment: the account's own, else the id's file name. */
function outletFolder(ctx: PageContext, outletId: string): string {
  const access = ctx.manifest.access;
  return urlSegment(access?.role === 'outlet' && access.outlet_folder ? access.outlet_folder : idFileName(outletId));
}

/** The CSV and Excel links of a download in the page's language (`path` without its extension). */
function downloads(ctx: PageContext, path: string, name: string, ids: { csv: string; xlsx: string }, csvLabel: StringKey = 'settle.download_csv'): HTMLElement {
  const suffix = LANG_SUFFIX[ctx.lang];
  return h(
    'div',
    { class: 'actions' },
    h('a', { class: 'button', id: ids.csv, href: ctx.url(`${path}${suffix}.csv`), download: `${name}${suffix}.csv` }, ctx.t(csvLabel)),
    h('a', { class: 'button', id: ids.xlsx, href: ctx.url(`${path}${suffix}.xlsx`), download: `${name}${suffix}.xlsx` }, ctx.t('settle.download_xlsx')),
  );
}

const money = (ctx: PageContext, key: string, label: string, get: (row: SettlementRow) => number): Column<SettlementRow> => ({
  key,
  label,
  numeric: true,
  value: get,
  render: (r) => yuan(ctx.lang, get(r)),
});

/** HR's table of the month: one row per outlet, the month's totals below. */
async function renderMonth(ctx: PageContext, body: HTMLElement, rows: SettlementRow[]): Promise<void> {
  body.append(downloads(ctx, `settlement/${ctx.month}`, `settlement-${ctx.month}`, { csv: 'download-csv', xlsx: 'download-xlsx' }));
  if (rows.length === 0) {
    body.append(message('info', ctx.t('settle.none')));
    return;
  }
  const sum = (get: (row: SettlementRow) => number) => rows.reduce((acc, r) => acc + get(r), 0);
  body.append(
    h('p', { class: 'note' }, ctx.t('settle.summary', {
      count: integer(ctx.lang, rows.length),
      net: yuan(ctx.lang, sum((r) => r.net)),
      due: rows[0]!.payment_due,
      withheld: integer(ctx.lang, sum((r) => r.tickets_withheld)),
      withheld_fees: yuan(ctx.lang, sum((r) => r.withheld_fees)),
    })),
  );
  const columns: Column<SettlementRow>[] = [
    textColumn<SettlementRow>('outlet_id', ctx.t('col.outlet_id'), (r) => r.outlet_id, {
      rowHeader: true,
      render: (r) => h('a', { href: `#${hashFor('o', r.outlet_id)}`, class: 'row-link', title: ctx.t('settle.open_statement', { id: r.outlet_id }) }, r.outlet_id),
    }),
    textColumn<SettlementRow>('outlet_name', ctx.t('col.outlet_name'), (r) => r.outlet_name),
    textColumn<SettlementRow>('tier', ctx.t('col.tier'), (r) => r.tier, { render: (r) => tierLabel(ctx, r.tier) }),
    countColumn<SettlementRow>(ctx, 'tickets_settled', ctx.t('settle.tickets_settled'), (r) => r.tickets_settled),
    money(ctx, 'fees', ctx.t('settle.fees'), (r) => r.fees),
    countColumn<SettlementRow>(ctx, 'tickets_withheld', ctx.t('settle.tickets_withheld'), (r) => r.tickets_withheld),
    money(ctx, 'withheld_fees', ctx.t('settle.withheld_fees'), (r) => r.withheld_fees),
    money(ctx, 'outlet_fines', ctx.t('settle.outlet_fines'), (r) => r.outlet_fines),
    money(ctx, 'net', ctx.t('settle.net'), (r) => r.net),
    textColumn<SettlementRow>('payment_due', ctx.t('settle.payment_due'), (r) => r.payment_due),
  ];
  const total = (key: 'tickets_settled' | 'tickets_withheld') => integer(ctx.lang, sum((r) => r[key]));
  const footer = [ctx.t('common.total'), null, null, total('tickets_settled'), yuan(ctx.lang, sum((r) => r.fees)), total('tickets_withheld'), yuan(ctx.lang, sum((r) => r.withheld_fees)), yuan(ctx.lang, sum((r) => r.outlet_fines)), yuan(ctx.lang, sum((r) => r.net)), null];
  body.append(dataTable({ columns, rows, pageSize: 200, labels: tableLabels(ctx), id: 'settlement-table', sort: { key: 'outlet_id', direction: 'asc' }, footer: () => footer }).element);
}

/** The statement's key figures, as published. */
function figures(ctx: PageContext, row: SettlementRow): HTMLElement {
  const item = (label: string, value: string) => h('div', null, h('dt', null, label), h('dd', null, value));
  return h(
    'dl',
    { class: 'stat-list', id: 'statement-figures' },
    item(ctx.t('settle.tickets_settled'), integer(ctx.lang, row.tickets_settled)),
    item(ctx.t('settle.fees'), yuan(ctx.lang, row.fees)),
    item(ctx.t('settle.outlet_fines'), yuan(ctx.lang, row.outlet_fines)),
    item(ctx.t('settle.net'), yuan(ctx.lang, row.net)),
    item(ctx.t('settle.tickets_withheld'), integer(ctx.lang, row.tickets_withheld)),
    item(ctx.t('settle.withheld_fees'), yuan(ctx.lang, row.withheld_fees)),
    item(ctx.t('settle.payment_due'), row.payment_due),
  );
}

/** Settled by service type, the total as settlement_totals has it. */
function servicesTable(ctx: PageContext, row: SettlementRow): HTMLElement {
  type Service = SettlementRow['settled_by_service'][number];
  const columns: Column<Service>[] = [
    textColumn<Service>('service_type', ctx.t('settle.service_type'), (r) => r.service_type, { rowHeader: true, sortable: false, render: (r) => translateCode(ctx.lang, 'service', r.service_type) }),
    { ...countColumn<Service>(ctx, 'tickets', ctx.t('settle.tickets'), (r) => r.tickets), sortable: false },
    { key: 'fees', label: ctx.t('settle.fees'), numeric: true, sortable: false, value: (r) => r.fees, render: (r) => yuan(ctx.lang, r.fees) },
  ];
  return dataTable({ columns, rows: row.settled_by_service, labels: tableLabels(ctx), id: 'statement-services', footer: () => [ctx.t('common.total'), integer(ctx.lang, row.tickets_settled), yuan(ctx.lang, row.fees)] }).element;
}

/** The outlet's fines of the month (outlet_penalties), deducted. */
function finesTable(ctx: PageContext, row: SettlementRow, fines: OutletPenaltyRow[]): HTMLElement {
  if (fines.length === 0) return message('info', ctx.t('settle.fines_empty'));
  const columns: Column<OutletPenaltyRow>[] = [
    textColumn<OutletPenaltyRow>('ticket_id', ctx.t('pen.ticket_id'), (r) => r.ticket_id, { rowHeader: true, sortable: false }),
    textColumn<OutletPenaltyRow>('complaint_id', ctx.t('pen.complaint_id'), (r) => r.complaint_id, { sortable: false }),
    { key: 'overcharge', label: ctx.t('pen.overcharge'), numeric: true, sortable: false, value: (r) => r.overcharge, render: (r) => yuan(ctx.lang, r.overcharge) },
    { key: 'amount', label: ctx.t('pen.amount'), numeric: true, sortable: false, value: (r) => r.amount, render: (r) => yuan(ctx.lang, r.amount) },
  ];
  return dataTable({ columns, rows: fines, labels: tableLabels(ctx), id: 'statement-fines', footer: () => [ctx.t('common.total'), null, null, yuan(ctx.lang, row.outlet_fines)] }).element;
}

/** Why a ticket is withheld, with its calls up to the month's end. */
function reasonCell(ctx: PageContext, run: WithheldRun): HTMLElement {
  const calls = run.calls ? ctx.t('settle.calls', { calls: integer(ctx.lang, run.calls), id: run.last_call_id ?? '', at: naiveTime(run.last_call_at) }) : null;
  return h('span', { class: 'reason' }, h('span', { class: 'rule-zh' }, translateCode(ctx.lang, 'withheld', run.withheld_reason)), calls ? h('span', { class: 'rule-en' }, calls) : null);
}

/** The columns of a list of withheld tickets (the full list at the month's end). */
function runColumns(ctx: PageContext): Column<WithheldRun>[] {
  return [
    textColumn<WithheldRun>('ticket_id', ctx.t('pen.ticket_id'), (r) => r.ticket_id, { rowHeader: true, render: (r) => h('code', null, r.ticket_id) }),
    textColumn<WithheldRun>('technician', ctx.t('col.technician'), (r) => r.technician_name ?? r.technician_id),
    textColumn<WithheldRun>('service_type', ctx.t('settle.service_type'), (r) => r.service_type, { render: (r) => translateCode(ctx.lang, 'service', r.service_type) }),
    textColumn<WithheldRun>('completed_at', ctx.t('settle.completed_at'), (r) => r.completed_at, { render: (r) => naiveTime(r.completed_at) }),
    textColumn<WithheldRun>('reason', ctx.t('settle.reason'), (r) => r.withheld_reason, { className: 'wrap', render: (r) => reasonCell(ctx, r) }),
    { key: 'fee', label: ctx.t('settle.fee'), numeric: true, value: (r) => r.fee, render: (r) => yuan(ctx.lang, r.fee) },
  ];
}

/** The statement's withheld rows, as its download prints them: the carried-over months, then the month's own tickets. */
function withheldItems(ctx: PageContext, row: SettlementRow, withheld: WithheldRun[]): WithheldItem[] {
  const carried = row.withheld_by_completion_month.filter((c) => c.completion_month < ctx.month).map((c): WithheldItem => ({ kind: 'carried', ...c }));
  const own = withheld.filter((r) => r.completed_at.startsWith(ctx.month)).map((run, i): WithheldItem => ({ kind: 'ticket', n: i + 1, run }));
  return [...carried, ...own];
}

/**
 * The tickets withheld at the month's end and why, as the statement prints them: those completed in
 * earlier months one row per completion month, those completed in the month one by one; then every
 * ticket withheld, folded away.
 */
function withheldTable(ctx: PageContext, row: SettlementRow, withheld: WithheldRun[]): HTMLElement {
  if (row.tickets_withheld === 0 && withheld.length === 0) return message('info', ctx.t('settle.withheld_empty'));
  // a carried-over row: its label, the month in the reason column, its tickets; a ticket's row: the ticket
  const cell = (ticket: (r: WithheldRun) => Child, carried: (c: CarriedItem) => Child = () => '') => (item: WithheldItem) => (item.kind === 'ticket' ? ticket(item.run) : carried(item));
  const sortValue = (get: (r: WithheldRun) => string | number | null) => (item: WithheldItem) => (item.kind === 'ticket' ? get(item.run) : null);
  const columns: Column<WithheldItem>[] = [
    { key: 'n', label: ctx.t('pen.line_no'), numeric: true, rowHeader: true, sortable: false, value: (r) => (r.kind === 'ticket' ? r.n : null), render: (r) => (r.kind === 'ticket' ? r.n : '') },
    { key: 'ticket_id', label: ctx.t('pen.ticket_id'), sortable: false, value: sortValue((r) => r.ticket_id), render: cell((r) => h('code', null, r.ticket_id), () => ctx.t('settle.carried_over')) },
    { key: 'technician', label: ctx.t('col.technician'), sortable: false, value: sortValue((r) => r.technician_name ?? r.technician_id), render: cell((r) => r.technician_name ?? r.technician_id ?? '—') },
    { key: 'service_type', label: ctx.t('settle.service_type'), sortable: false, value: sortValue((r) => r.service_type), render: cell((r) => translateCode(ctx.lang, 'service', r.service_type)) },
    { key: 'completed_at', label: ctx.t('settle.completed_at'), sortable: false, value: sortValue((r) => r.completed_at), render: cell((r) => naiveTime(r.completed_at)) },
    { key: 'reason', label: ctx.t('settle.reason'), sortable: false, className: 'wrap', value: sortValue((r) => r.withheld_reason), render: cell((r) => reasonCell(ctx, r), (c) => ctx.t('settle.carried_note', { month: c.completion_month })) },
    { key: 'tickets', label: ctx.t('settle.tickets'), numeric: true, sortable: false, value: (r) => (r.kind === 'carried' ? r.tickets : null), render: cell(() => '', (c) => integer(ctx.lang, c.tickets)) },
    { key: 'fee', label: ctx.t('settle.fee'), numeric: true, sortable: false, value: (r) => (r.kind === 'carried' ? r.fees : r.run.fee), render: cell((r) => yuan(ctx.lang, r.fee), (c) => yuan(ctx.lang, c.fees)) },
  ];
  const reasons = row.withheld_by_reason
    .map((r) => ctx.t('settle.reason_count', { reason: translateCode(ctx.lang, 'withheld', r.withheld_reason), tickets: integer(ctx.lang, r.tickets), fees: yuan(ctx.lang, r.fees) }))
    .join(ctx.lang === 'zh' ? '；' : '; ');
  const footer = () => [ctx.t('common.total'), null, null, null, null, null, integer(ctx.lang, row.tickets_withheld), yuan(ctx.lang, row.withheld_fees)];
  const table = dataTable({ columns, rows: withheldItems(ctx, row, withheld), labels: tableLabels(ctx), id: 'statement-withheld', footer });
  const all = dataTable({ columns: runColumns(ctx), rows: withheld, pageSize: 100, labels: tableLabels(ctx), id: 'statement-withheld-all' });
  const details = h('details', { class: 'settled-lines' }, h('summary', null, ctx.t('settle.withheld_all', { count: integer(ctx.lang, withheld.length) })), all.element);
  return h('div', null, h('p', { class: 'note' }, ctx.t('settle.withheld_reasons', { reasons })), table.element, details);
}

/** The tickets settled in the month, folded away (the statement prints them by service type). */
function settledDetails(ctx: PageContext, settled: SettlementLine[]): HTMLElement {
  const columns: Column<SettlementLine>[] = [
    textColumn<SettlementLine>('ticket_id', ctx.t('pen.ticket_id'), (r) => r.ticket_id, { rowHeader: true, render: (r) => h('code', null, r.ticket_id) }),
    textColumn<SettlementLine>('technician', ctx.t('col.technician'), (r) => r.technician_name ?? r.technician_id),
    textColumn<SettlementLine>('service_type', ctx.t('settle.service_type'), (r) => r.service_type, { render: (r) => translateCode(ctx.lang, 'service', r.service_type) }),
    textColumn<SettlementLine>('completed_at', ctx.t('settle.completed_at'), (r) => r.completed_at, { render: (r) => naiveTime(r.completed_at) }),
    textColumn<SettlementLine>('revisit_id', ctx.t('settle.revisit_id'), (r) => r.revisit_id),
    textColumn<SettlementLine>('revisit_at', ctx.t('settle.revisit_at'), (r) => r.revisit_at, { render: (r) => naiveTime(r.revisit_at) }),
    { key: 'fee', label: ctx.t('settle.fee'), numeric: true, value: (r) => r.fee, render: (r) => yuan(ctx.lang, r.fee) },
  ];
  const table = dataTable({ columns, rows: settled, pageSize: 100, labels: tableLabels(ctx), id: 'statement-settled' });
  return h('details', { class: 'settled-lines' }, h('summary', null, ctx.t('settle.settled_lines', { count: integer(ctx.lang, settled.length) })), table.element);
}

let statementRequest = 0;

/** The printable statement of one outlet for the month: its head, then its parts once its lines are read. */
async function renderStatement(ctx: PageContext, panel: HTMLElement, id: string, row: SettlementRow | undefined, closable: boolean): Promise<void> {
  const request = ++statementRequest;
  panel.replaceChildren();
  panel.hidden = false;
  panel.dataset.state = 'loading';
  document.body.classList.add('printing-statement');
  const heading = h('h2', { id: 'statement-heading', tabindex: '-1' }, `${ctx.t('settle.statement')} · ${ctx.month}`);
  const print = h('button', { type: 'button', class: 'print-button button-primary', onclick: () => window.print() }, ctx.t('settle.print'));
  const close = closable ? h('button', { type: 'button', class: 'close-button', onclick: () => clearHash() }, ctx.t('common.close')) : null;
  const folder = outletFolder(ctx, id);
  const links = downloads(ctx, `by_outlet/${folder}/settlement/${ctx.month}`, `settlement-${id}-${ctx.month}`, { csv: 'statement-csv', xlsx: 'statement-xlsx' }, 'settle.download_statement_csv');
  panel.append(h('div', { class: 'panel-head' }, heading, h('div', { class: 'actions' }, print, close)));
  if (!row) {
    panel.append(message('info', ctx.t('settle.no_statement', { month: ctx.month, id })));
    panel.dataset.state = 'ready';
    return;
  }
  // printed with it: the month's close (time, who, the whole sha256), or that it is still open
  panel.append(h('p', { class: 'statement-meta' }, ctx.t('settle.statement_meta', { month: ctx.month, id, name: row.outlet_name ?? '', due: row.payment_due })), statementClose(ctx.lang, ctx.closes, ctx.month), links, figures(ctx, row));
  if (closable) heading.focus({ preventScroll: true });
  try {
    const [lines, runs, fines] = await Promise.all([
      ctx.json<SettlementLine[]>(`by_outlet/${folder}/settlement_lines.json#settlement_month=${ctx.month}`),
      ctx.json<WithheldRun[]>(`by_outlet/${folder}/settlement_withheld.json`),
      ctx.json<OutletPenaltyRow[]>(`outlet_penalties/${ctx.month}.json`),
    ]);
    // another statement was asked for meanwhile: that request draws the panel
    if (request !== statementRequest) return;
    // withheld at the month's end: the run of months that holds it
    const withheld = runs.filter((r) => r.withheld_from <= ctx.month && ctx.month <= r.withheld_to);
    await statementParts(ctx, panel, row, { settled: lines, withheld }, fines.filter((f) => f.outlet_id === id));
  } catch (e) {
    if (request !== statementRequest) return;
    panel.append(ctx.errorMessage(e));
  }
  panel.dataset.state = 'ready';
}

async function statementParts(ctx: PageContext, panel: HTMLElement, row: SettlementRow, lines: { settled: SettlementLine[]; withheld: WithheldRun[] }, fines: OutletPenaltyRow[]): Promise<void> {
  const part = (title: string, content: HTMLElement) => h('div', { class: 'statement-part' }, h('h3', null, title), content);
  panel.append(
    part(ctx.t('settle.by_service'), servicesTable(ctx, row)),
    part(ctx.t('settle.fines'), finesTable(ctx, row, fines)),
    part(ctx.t('settle.withheld'), withheldTable(ctx, row, lines.withheld)),
  );
  const start = ctx.manifest.months.filter((m) => m <= ctx.month).slice(-12)[0] ?? ctx.month;
  await ctx.chart(panel, { name: 'settlement-outlet', title: ctx.t('settle.chart'), vars: { outlet: row.outlet_id }, params: { start_month: start, end_month: ctx.month } });
  panel.append(
    settledDetails(ctx, lines.settled),
    h('div', { class: 'signatures' }, h('p', null, ctx.t('settle.sign_outlet')), h('p', null, ctx.t('settle.sign_hq')), h('p', null, ctx.t('pen.sign_date'))),
  );
}

startPage({
  id: 'settlement',
  titleKey: 'settle.title',
  monthly: true,
  async render(ctx, main) {
    main.append(h('h1', null, ctx.t('settle.title')), closedNotice(ctx.lang, ctx.closes, ctx.month) ?? '', h('p', { class: 'note' }, ctx.t('settle.note')));
    const statement = h('section', { class: 'panel statement', id: 'statement', 'aria-labelledby': 'statement-heading', hidden: true });
    main.append(statement);
    ctx.onCleanup(() => document.body.classList.remove('printing-statement'));
    // an outlet's account reads its own rows of the month (data.ts scopedPath)
    const rows = await ctx.json<SettlementRow[]>(`settlement/${ctx.month}.json`).catch((e: unknown) => {
      main.append(ctx.errorMessage(e));
      return null;
    });
    if (rows === null) return;
    const own = ctx.manifest.access?.role === 'outlet' ? ctx.manifest.access.outlet_id : null;
    if (own !== null) {
      await renderStatement(ctx, statement, own, rows.find((r) => r.outlet_id === own), false);
      return;
    }
    await ctx.section(main, ctx.t('settle.totals', { month: ctx.month }), (body) => renderMonth(ctx, body, rows), { id: 'totals' });
    const show = async () => {
      const id = hashParam('o');
      if (!id) {
        statementRequest += 1;
        statement.hidden = true;
        statement.replaceChildren();
        document.body.classList.remove('printing-statement');
        return;
      }
      await renderStatement(ctx, statement, id, rows.find((r) => r.outlet_id === id), true);
      statement.scrollIntoView({ block: 'start' });
    };
    ctx.listen(window, 'hashchange', () => void show());
    await show();
  },
});
