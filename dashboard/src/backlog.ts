/// <reference lib="dom" />
// Revisit backlog for the call centre: completed tickets still without an effective revisit,
// oldest first, open (window running) or overdue, with the count per outlet; then the follow-up
// calls of unsatisfied customers (spec 5.3) still due or missed, with the counts by state.
import { countColumn, nameAndId, tableLabels, textColumn } from './lib/columns.ts';
import { badge, h, message } from './lib/dom.ts';
import { filterField } from './lib/filters.ts';
import { decimal, integer, naiveTime } from './lib/format.ts';
import type { Backlog, BacklogRow, FollowupRow, RunInfo } from './lib/rows.ts';
import { startPage, type PageContext } from './lib/shell.ts';
import { translateCode } from './lib/strings.ts';
import { dataTable, type Column } from './lib/table.ts';

const CHART_TOP = 25;

function stateBadge(ctx: PageContext, state: string): HTMLElement {
  return badge(state, state === 'open' ? ctx.t('backlog.open') : state === 'overdue' ? ctx.t('backlog.overdue') : state);
}

function followupStateBadge(ctx: PageContext, state: string): HTMLElement {
  return badge(state === 'due' ? 'open' : 'overdue', state === 'due' ? ctx.t('backlog.followup_due') : state === 'missed' ? ctx.t('backlog.followup_missed') : state);
}

function callLabel(ctx: PageContext, call: string): string {
  return call === 'week' ? ctx.t('backlog.call_week') : call === 'month' ? ctx.t('backlog.call_month') : call;
}

type Followups = NonNullable<Backlog['followups']>;
type StateCount = Followups['by_state'][number];

/** The counts by call and state: a row per call, due and missed side by side. */
function followupCounts(ctx: PageContext, byState: StateCount[]): HTMLElement {
  type Line = { call: string; due: number; missed: number };
  const lines: Line[] = ['week', 'month'].map((call) => ({
    call,
    due: byState.find((c) => c.call === call && c.state === 'due')?.followups ?? 0,
    missed: byState.find((c) => c.call === call && c.state === 'missed')?.followups ?? 0,
  }));
  return dataTable<Line>({
    columns: [
      textColumn<Line>('call', ctx.t('backlog.call'), (r) => callLabel(ctx, r.call), { rowHeader: true, sortable: false }),
      { ...countColumn<Line>(ctx, 'due', ctx.t('backlog.followup_due'), (r) => r.due), sortable: false },
      { ...countColumn<Line>(ctx, 'missed', ctx.t('backlog.followup_missed'), (r) => r.missed), sortable: false },
      { ...countColumn<Line>(ctx, 'total', ctx.t('common.total'), (r) => r.due + r.missed), sortable: false },
    ],
    rows: lines,
    labels: tableLabels(ctx),
    id: 'followup-counts-table',
  }).element;
}

function followupColumns(ctx: PageContext): Column<FollowupRow>[] {
  return [
    textColumn<FollowupRow>('ticket_id', ctx.t('backlog.ticket_id'), (r) => r.ticket_id, { rowHeader: true }),
    textColumn<FollowupRow>('outlet_id', ctx.t('col.outlet'), (r) => r.outlet_id),
    textColumn<FollowupRow>('technician_id', ctx.t('backlog.technician_id'), (r) => r.technician_id),
    textColumn<FollowupRow>('verdict_at', ctx.t('backlog.verdict_at'), (r) => r.verdict_at, { render: (r) => naiveTime(r.verdict_at) }),
    textColumn<FollowupRow>('call', ctx.t('backlog.call'), (r) => callLabel(ctx, r.call)),
    textColumn<FollowupRow>('due_by', ctx.t('backlog.due_by'), (r) => r.due_by, { render: (r) => naiveTime(r.due_by) }),
    { key: 'state', label: ctx.t('backlog.state'), value: (r) => r.state, render: (r) => followupStateBadge(ctx, r.state) },
    countColumn<FollowupRow>(ctx, 'calls_made', ctx.t('backlog.calls_made'), (r) => r.calls_made),
    textColumn<FollowupRow>('last_call_at', ctx.t('backlog.last_call_at'), (r) => r.last_call_at, { render: (r) => naiveTime(r.last_call_at) }),
  ];
}

/** The follow-up calls not made: the counts, then every call with filters by state and call. */
async function renderFollowups(ctx: PageContext, body: HTMLElement, followups: Followups, asOf: string | null): Promise<void> {
  const config = (await ctx.json<RunInfo>('run.json').catch(() => null))?.config;
  const count = (state: string) => followups.by_state.filter((c) => c.state === state).reduce((a, c) => a + c.followups, 0);
  body.append(
    h('p', { class: 'note' }, ctx.t('backlog.followups_note', { week: config?.followup_week_days ?? '—', month: config?.followup_month_days ?? '—' })),
    h('p', { class: 'message message-info', id: 'followup-summary' }, ctx.t('backlog.followup_summary', { as_of: naiveTime(asOf), due: integer(ctx.lang, count('due')), missed: integer(ctx.lang, count('missed')) })),
    h('h3', null, ctx.t('backlog.followup_counts')),
    followupCounts(ctx, followups.by_state),
    h('h3', null, ctx.t('backlog.followup_rows')),
  );
  const rows = followups.rows;
  if (rows.length === 0) {
    body.append(message('info', ctx.t('backlog.followups_empty')));
    return;
  }
  const handle = dataTable({ columns: followupColumns(ctx), rows, sort: { key: 'due_by', direction: 'asc' }, pageSize: 200, labels: tableLabels(ctx), id: 'followup-table' });
  const state = { state: '', call: '' };
  const apply = () => handle.setRows(rows.filter((r) => (state.state === '' || r.state === state.state) && (state.call === '' || r.call === state.call)));
  body.append(
    h(
      'div',
      { class: 'toolbar' },
      filterField(ctx, ctx.t('backlog.filter_state'), [{ value: 'due', label: ctx.t('backlog.followup_due') }, { value: 'missed', label: ctx.t('backlog.followup_missed') }], '', (v) => {
        state.state = v;
        apply();
      }, 'filter-followup-state'),
      filterField(ctx, ctx.t('backlog.filter_call'), [{ value: 'week', label: ctx.t('backlog.call_week') }, { value: 'month', label: ctx.t('backlog.call_month') }], '', (v) => {
        state.call = v;
        apply();
      }, 'filter-followup-call'),
    ),
    handle.element,
  );
}

type OutletBacklog = Backlog['by_outlet'][number];

/** The line above the sections: as of when, how many tickets wait, open and overdue. */
function backlogSummary(ctx: PageContext, backlog: Backlog, rows: BacklogRow[]): HTMLElement {
  const open = rows.filter((r) => r.state === 'open').length;
  const overdue = rows.filter((r) => r.state === 'overdue').length;
  return h(
    'p',
    { class: 'message message-info', id: 'backlog-summary' },
    ctx.t('backlog.summary', { as_of: naiveTime(backlog.as_of), total: integer(ctx.lang, backlog.total ?? rows.length), open: integer(ctx.lang, open), overdue: integer(ctx.lang, overdue) }),
  );
}

function outletBacklogTable(ctx: PageContext, byOutlet: OutletBacklog[]): HTMLElement {
  return dataTable<OutletBacklog>({
    columns: [
      textColumn<OutletBacklog>('outlet_id', ctx.t('col.outlet'), (r) => r.outlet_id, { rowHeader: true, render: (r) => nameAndId(r.outlet_name, r.outlet_id) }),
      countColumn<OutletBacklog>(ctx, 'open', ctx.t('backlog.open'), (r) => r.open),
      countColumn<OutletBacklog>(ctx, 'overdue', ctx.t('backlog.overdue'), (r) => r.overdue),
      countColumn<OutletBacklog>(ctx, 'total', ctx.t('common.total'), (r) => r.open + r.overdue),
    ],
    rows: byOutlet,
    sort: { key: 'total', direction: 'desc' },
    labels: tableLabels(ctx),
    id: 'backlog-outlets-table',
    footer: (list) => [
      ctx.t('common.total'),
      integer(ctx.lang, list.reduce((a, r) => a + r.open, 0)),
      integer(ctx.lang, list.reduce((a, r) => a + r.overdue, 0)),
      integer(ctx.lang, list.reduce((a, r) => a + r.open + r.overdue, 0)),
    ],
  }).element;
}

/** The backlog per outlet: the table of all and the chart of the largest, side by side. */
async function renderByOutlet(ctx: PageContext, body: HTMLElement, byOutlet: OutletBacklog[]): Promise<void> {
  if (byOutlet.length === 0) {
    body.append(message('info', ctx.t('backlog.empty')));
    return;
  }
  const grid = h('div', { class: 'two-columns' }, outletBacklogTable(ctx, byOutlet));
  body.append(grid);
  // a national network has hundreds of outlets: the chart shows the largest backlogs, the table all
  const title = byOutlet.length > CHART_TOP ? ctx.t('backlog.chart_top', { top: CHART_TOP }) : ctx.t('backlog.chart');
  await ctx.chart(grid, { name: 'backlog-by-outlet', title, params: { top_n: CHART_TOP } });
}

function backlogColumns(ctx: PageContext): Column<BacklogRow>[] {
  return [
    textColumn<BacklogRow>('ticket_id', ctx.t('backlog.ticket_id'), (r) => r.ticket_id, { rowHeader: true }),
    textColumn<BacklogRow>('outlet_id', ctx.t('col.outlet'), (r) => r.outlet_id),
    textColumn<BacklogRow>('technician_id', ctx.t('backlog.technician_id'), (r) => r.technician_id),
    textColumn<BacklogRow>('service_type', ctx.t('backlog.service_type'), (r) => translateCode(ctx.lang, 'service', r.service_type)),
    textColumn<BacklogRow>('completed_at', ctx.t('backlog.completed_at'), (r) => r.completed_at, { render: (r) => naiveTime(r.completed_at) }),
    textColumn<BacklogRow>('window_end', ctx.t('backlog.window_end'), (r) => r.window_end, { render: (r) => naiveTime(r.window_end) }),
    { key: 'hours', label: ctx.t('backlog.hours'), numeric: true, value: (r) => r.hours_since_completion, render: (r) => decimal(ctx.lang, r.hours_since_completion, 1) },
    { key: 'state', label: ctx.t('backlog.state'), value: (r) => r.state, render: (r) => stateBadge(ctx, r.state) },
    countColumn<BacklogRow>(ctx, 'attempts', ctx.t('backlog.attempts'), (r) => r.attempts),
    textColumn<BacklogRow>('last_attempt_at', ctx.t('backlog.last_attempt_at'), (r) => r.last_attempt_at, { render: (r) => naiveTime(r.last_attempt_at) }),
  ];
}

/** Every ticket waiting for its revisit, oldest first, with filters by state and outlet. */
function renderBacklogRows(ctx: PageContext, body: HTMLElement, rows: BacklogRow[]): void {
  if (rows.length === 0) {
    body.append(message('info', ctx.t('backlog.empty')));
    return;
  }
  const handle = dataTable({ columns: backlogColumns(ctx), rows, sort: { key: 'completed_at', direction: 'asc' }, pageSize: 200, labels: tableLabels(ctx), id: 'backlog-table' });
  const outlets = [...new Set(rows.map((r) => r.outlet_id ?? ''))].filter((x) => x !== '').sort();
  const state = { outlet: '', state: '' };
  const apply = () => handle.setRows(rows.filter((r) => (state.outlet === '' || r.outlet_id === state.outlet) && (state.state === '' || r.state === state.state)));
  body.append(
    h(
      'div',
      { class: 'toolbar' },
      filterField(ctx, ctx.t('backlog.filter_state'), [{ value: 'open', label: ctx.t('backlog.open') }, { value: 'overdue', label: ctx.t('backlog.overdue') }], '', (v) => {
        state.state = v;
        apply();
      }, 'filter-state'),
      filterField(ctx, ctx.t('col.outlet'), outlets.map((o) => ({ value: o, label: o })), '', (v) => {
        state.outlet = v;
        apply();
      }, 'filter-outlet'),
    ),
    handle.element,
  );
}

startPage({
  id: 'backlog',
  titleKey: 'backlog.title',
  monthly: false,
  async render(ctx, main) {
    main.append(h('h1', null, ctx.t('backlog.title')));
    const backlog = await ctx.json<Backlog>('backlog.json').catch((e: unknown) => {
      main.append(ctx.errorMessage(e));
      return null;
    });
    if (!backlog) return;
    const rows = backlog.rows ?? [];
    main.append(backlogSummary(ctx, backlog, rows));

    const outletSection = ctx.section(main, ctx.t('backlog.by_outlet'), (body) => renderByOutlet(ctx, body, backlog.by_outlet ?? []), { id: 'by-outlet' });
    const rowsSection = ctx.section(main, ctx.t('backlog.rows'), (body) => renderBacklogRows(ctx, body, rows), { id: 'rows' });
    const followupSection = ctx.section(main, ctx.t('backlog.followups'), async (body) => {
      if (!backlog.followups) {
        body.append(message('info', ctx.t('backlog.followups_empty')));
        return;
      }
      await renderFollowups(ctx, body, backlog.followups, backlog.as_of);
    }, { id: 'followups' });

    await Promise.all([outletSection, rowsSection, followupSection]);
  },
});
