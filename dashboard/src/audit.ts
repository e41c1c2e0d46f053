/// <reference lib="dom" />
// Closes and appeals (HR only, spec 6): every month close (when, by whom, the month's lines and
// amounts, the sha256 of its frozen lines) and the appeals of the selected month's penalty lines
// with their decisions. Never an appeal's reason: it is not published.
import { closedBadge, closeOf } from './lib/closes.ts';
import { tableLabels, textColumn } from './lib/columns.ts';
import { badge, h, message } from './lib/dom.ts';
import { integer, naiveTime, signedYuan, yuan } from './lib/format.ts';
import type { AppealRow, AuditCloseRow } from './lib/rows.ts';
import { startPage, type PageContext } from './lib/shell.ts';
import { translateCode } from './lib/strings.ts';
import { dataTable, type Column } from './lib/table.ts';

function money(ctx: PageContext, key: keyof AuditCloseRow & string, label: string, signed = false): Column<AuditCloseRow> {
  const get = (r: AuditCloseRow) => r[key] as number;
  return { key, label, numeric: true, value: get, render: (r) => (signed ? signedYuan : yuan)(ctx.lang, get(r)) };
}

function count(ctx: PageContext, key: keyof AuditCloseRow & string, label: string): Column<AuditCloseRow> {
  const get = (r: AuditCloseRow) => r[key] as number;
  return { key, label, numeric: true, value: get, render: (r) => integer(ctx.lang, get(r)) };
}

/** Every close, the latest first. */
async function buildCloses(ctx: PageContext, body: HTMLElement): Promise<void> {
  body.append(h('p', { class: 'note' }, ctx.t('audit.closes_note')));
  const closes = await ctx.json<AuditCloseRow[]>('audit/closes.json');
  if (closes.length === 0) {
    body.append(message('info', ctx.t('audit.no_closes')));
    return;
  }
  const columns: Column<AuditCloseRow>[] = [
    textColumn<AuditCloseRow>('month', ctx.t('audit.month'), (r) => r.month, { rowHeader: true }),
    textColumn<AuditCloseRow>('closed_at', ctx.t('audit.closed_at'), (r) => r.closed_at, { render: (r) => naiveTime(r.closed_at) }),
    textColumn<AuditCloseRow>('closed_by', ctx.t('audit.closed_by'), (r) => r.closed_by),
    count(ctx, 'lines', ctx.t('audit.lines')),
    money(ctx, 'amount', ctx.t('audit.amount')),
    money(ctx, 'adjustments', ctx.t('pen.adjustments'), true),
    money(ctx, 'amount_due', ctx.t('audit.amount_due')),
    money(ctx, 'outlet_fines', ctx.t('audit.outlet_fines')),
    money(ctx, 'settlement_fees', ctx.t('audit.settlement_fees')),
    count(ctx, 'hashed_lines', ctx.t('audit.hashed_lines')),
    textColumn<AuditCloseRow>('sha256', ctx.t('audit.sha256'), (r) => r.sha256, { render: (r) => h('code', { class: 'hash' }, r.sha256), className: 'wrap', sortable: false }),
  ];
  body.append(dataTable({ columns, rows: closes, sort: { key: 'month', direction: 'desc' }, labels: tableLabels(ctx), id: 'closes-table', rowClass: (r) => (r.month === ctx.month ? 'selected-row' : undefined) }).element);
}

function decisionCell(ctx: PageContext, row: AppealRow): HTMLElement {
  const cell = badge(`appeal-${row.decision}`, translateCode(ctx.lang, 'decision', row.decision));
  cell.dataset.decision = row.decision;
  return cell;
}

function appealColumns(ctx: PageContext): Column<AppealRow>[] {
  const yesNo = (value: boolean) => (value ? ctx.t('common.yes') : ctx.t('common.no'));
  return [
    textColumn<AppealRow>('appeal_id', ctx.t('audit.appeal_id'), (r) => r.appeal_id, { rowHeader: true }),
    textColumn<AppealRow>('line_id', ctx.t('adj.line_id'), (r) => r.line_id, { render: (r) => h('code', null, r.line_id) }),
    textColumn<AppealRow>('technician_id', ctx.t('col.technician_id'), (r) => r.technician_id),
    textColumn<AppealRow>('outlet_id', ctx.t('col.outlet'), (r) => r.outlet_id),
    { key: 'line_amount', label: ctx.t('audit.line_amount'), numeric: true, value: (r) => r.line_amount, render: (r) => yuan(ctx.lang, r.line_amount) },
    { key: 'decision', label: ctx.t('audit.decision'), value: (r) => r.decision, render: (r) => decisionCell(ctx, r) },
    { key: 'decided_amount', label: ctx.t('audit.decided_amount'), numeric: true, value: (r) => r.decided_amount, render: (r) => yuan(ctx.lang, r.decided_amount) },
    textColumn<AppealRow>('submitted_at', ctx.t('audit.submitted_at'), (r) => r.submitted_at, { render: (r) => naiveTime(r.submitted_at) }),
    textColumn<AppealRow>('decided_at', ctx.t('audit.decided_at'), (r) => r.decided_at, { render: (r) => naiveTime(r.decided_at) }),
    { key: 'standing', label: ctx.t('audit.standing'), value: (r) => r.standing, render: (r) => yesNo(r.standing) },
    { key: 'line_closed', label: ctx.t('audit.line_closed'), value: (r) => r.line_closed, render: (r) => yesNo(r.line_closed) },
  ];
}

/** The appeals of the selected month's penalty lines, with a count of each decision that stands. */
async function buildAppeals(ctx: PageContext, body: HTMLElement): Promise<void> {
  body.append(h('p', { class: 'note' }, ctx.t('audit.appeals_note')));
  const appeals = await ctx.json<AppealRow[]>(`appeals/${ctx.month}.json`);
  if (appeals.length === 0) {
    body.append(message('info', ctx.t('audit.no_appeals')));
    return;
  }
  const standing = appeals.filter((a) => a.standing);
  const of = (decision: string) => integer(ctx.lang, standing.filter((a) => a.decision === decision).length);
  body.append(
    h('p', { class: 'note', id: 'appeal-summary' }, ctx.t('audit.summary', { count: integer(ctx.lang, standing.length), pending: of('pending'), upheld: of('upheld'), waived: of('waived'), reduced: of('reduced') })),
    dataTable({ columns: appealColumns(ctx), rows: appeals, labels: tableLabels(ctx), id: 'appeals-table', rowClass: (r) => (r.standing ? undefined : 'superseded-row') }).element,
  );
}

startPage({
  id: 'audit',
  titleKey: 'audit.title',
  monthly: true,
  async render(ctx, main) {
    const close = closeOf(ctx.closes, ctx.month);
    main.append(h('h1', null, ctx.t('audit.title')), close ? h('p', { class: 'close-status', id: 'close-status' }, closedBadge(ctx.lang, close)) : '');
    await Promise.all([
      ctx.section(main, ctx.t('audit.closes'), (body) => buildCloses(ctx, body), { id: 'closes' }),
      ctx.section(main, ctx.t('audit.appeals', { month: ctx.month }), (body) => buildAppeals(ctx, body), { id: 'appeals' }),
    ]);
  },
});
