/// <reference lib="dom" />
// Outlets: the month's ranking overall and within the tier with the move since last month, the
// composite and its weighted parts, and one outlet on request (#o=<id>): its twelve months
// (composite, parts, ranks, tickets) and its technicians of the month.
import { clearHash, countColumn, hashFor, measureColumns, rateColumn, tableLabels, textColumn, tierLabel } from './lib/columns.ts';
import { h, message } from './lib/dom.ts';
import { filterField } from './lib/filters.ts';
import { previousMonth, rankChange, score, type RankChange } from './lib/format.ts';
import { followHash } from './lib/hash-panel.ts';
import { trailingMonths, type OutletHistoryRow, type OutletRow, type RunInfo, type TechnicianRow } from './lib/rows.ts';
import { startPage, type PageContext } from './lib/shell.ts';
import { dataTable, type Column } from './lib/table.ts';

const CHART_TOP = 40;

function changeMark(change: RankChange): HTMLElement | null {
  if (change.kind === 'none') return null;
  return h('span', { class: `rank-change rank-${change.kind}`, title: change.label, 'aria-label': change.label }, change.symbol);
}

function rankCell(rank: number | null, change: RankChange): HTMLElement {
  return h('span', { class: 'rank' }, rank === null ? '—' : String(rank), changeMark(change));
}

function outletLink(ctx: PageContext, row: OutletRow): HTMLElement | string {
  // an outlet's account has the trend and technicians of its own outlet only
  const own = ctx.manifest.access?.role !== 'outlet' || row.outlet_id === ctx.manifest.access.outlet_id;
  if (!own) return row.outlet_id;
  return h('a', { href: `#${hashFor('o', row.outlet_id)}`, class: 'row-link', title: ctx.t('outlet.open_technicians', { id: row.outlet_id }) }, row.outlet_id);
}

/** Whether the ranking chart has a bar to draw: a ranked outlet (of the tier, when one is chosen). */
function hasRanked(rows: OutletRow[], tier: string): boolean {
  return rows.some((o) => o.outlet_rank !== null && o.composite !== null && (tier === '' || (o.tier ?? '') === tier));
}

/**
 * An outlet's account reads the ranking (composite and ranks only) for the month's outlets
 * (lib/data.ts, scopedPath): no KPI columns and no composite parts to show of the other outlets.
 */
function rankingOnly(ctx: PageContext): boolean {
  return ctx.manifest.access?.role === 'outlet';
}

/** The columns whose field the month's rows have: none left empty for a file without them. */
function inFile<R>(columns: Column<R>[], rows: R[]): Column<R>[] {
  return columns.filter((c) => rows.some((r) => typeof r === 'object' && r !== null && c.key in r));
}

/** An outlet's account: its own outlet's KPIs of the month, from its own history file. */
async function renderOwnOutlet(ctx: PageContext, body: HTMLElement): Promise<void> {
  const id = ctx.manifest.access?.outlet_id ?? '';
  const row = (await ctx.json<OutletHistoryRow[]>('outlet_history.json')).find((r) => r.outlet_id === id && r.month === ctx.month);
  if (!row) {
    body.append(message('info', ctx.t('outlet.no_history')));
    return;
  }
  const columns = historyColumns(ctx).filter((c) => c.key !== 'month');
  body.append(
    dataTable({ columns, rows: [row], labels: tableLabels(ctx), id: 'own-outlet-table' }).element,
    h('p', { class: 'actions' }, h('a', { class: 'button', href: `#${hashFor('o', id)}`, id: 'own-outlet-trend' }, ctx.t('outlet.history'))),
  );
}

let panelRequest = 0;

/** One outlet on request (#o=<id>): its twelve months, then its technicians of the month. */
async function renderOutletPanel(ctx: PageContext, panel: HTMLElement, id: string, outlets: OutletRow[], complaintScale: number): Promise<void> {
  const request = ++panelRequest;
  const current = () => request === panelRequest;
  panel.replaceChildren();
  panel.hidden = false;
  panel.dataset.state = 'loading';
  const outlet = outlets.find((o) => o.outlet_id === id);
  const name = outlet?.outlet_name ? `${outlet.outlet_name} (${id})` : id;
  const heading = h('h2', { id: 'outlet-technicians-heading', tabindex: '-1' }, name);
  panel.append(h('div', { class: 'panel-head' }, heading, h('button', { type: 'button', class: 'close-button', onclick: () => clearHash() }, ctx.t('common.close'))));
  const history = h('div', { class: 'outlet-history', id: 'outlet-history' });
  const technicians = h('div', { class: 'outlet-technician-list' });
  panel.append(history, technicians);
  heading.focus({ preventScroll: true });
  panel.scrollIntoView({ block: 'start' });
  // another outlet asked for meanwhile draws the panel: these stop adding to it
  await Promise.all([renderOutletHistory(ctx, history, id, current, complaintScale), renderTechnicians(ctx, technicians, id, current, name)]);
  if (current()) panel.dataset.state = 'ready';
}

function historyColumns(ctx: PageContext): Column<OutletHistoryRow>[] {
  const rankOf = (rank: number | null, total: number) => (rank === null ? '—' : ctx.t('outlet.ranked_of', { rank, total }));
  return [
    textColumn<OutletHistoryRow>('month', ctx.t('col.month'), (r) => r.month, { rowHeader: true }),
    countColumn<OutletHistoryRow>(ctx, 'tickets_completed', ctx.t('kpi.tickets_completed'), (r) => r.tickets_completed),
    rateColumn<OutletHistoryRow>(ctx, 'revisit_coverage', ctx.t('kpi.revisit_coverage'), (r) => r.revisit_coverage),
    rateColumn<OutletHistoryRow>(ctx, 'satisfied_rate', ctx.t('kpi.satisfied_rate'), (r) => r.satisfied_rate),
    rateColumn<OutletHistoryRow>(ctx, 'on_time_rate', ctx.t('kpi.on_time_rate'), (r) => r.on_time_rate),
    rateColumn<OutletHistoryRow>(ctx, 'complaint_rate', ctx.t('kpi.complaint_rate'), (r) => r.complaint_rate),
    { key: 'composite', label: ctx.t('kpi.composite'), numeric: true, value: (r) => r.composite, render: (r) => score(ctx.lang, r.composite) },
    { key: 'outlet_rank', label: ctx.t('kpi.outlet_rank'), numeric: true, value: (r) => r.outlet_rank, render: (r) => rankOf(r.outlet_rank, r.ranked_outlets) },
    { key: 'tier_rank', label: ctx.t('kpi.tier_rank'), numeric: true, value: (r) => r.tier_rank, render: (r) => rankOf(r.tier_rank, r.ranked_in_tier) },
    rateColumn<OutletHistoryRow>(ctx, 'repeat_repair_rate', ctx.t('col.repeat_repair_rate'), (r) => r.repeat_repair_rate),
    rateColumn<OutletHistoryRow>(ctx, 'followup_week_rate', ctx.t('col.followup_week_rate'), (r) => r.followup_week_rate),
    rateColumn<OutletHistoryRow>(ctx, 'followup_month_rate', ctx.t('col.followup_month_rate'), (r) => r.followup_month_rate),
  ];
}

/** The outlet's twelve months ending at the selected one (outlet_history.json): two charts and a table. */
async function renderOutletHistory(ctx: PageContext, body: HTMLElement, id: string, current: () => boolean, complaintScale: number): Promise<void> {
  body.append(h('h3', null, ctx.t('outlet.history')));
  let rows: OutletHistoryRow[];
  try {
    // an outlet's account reads its own copy: another outlet has no rows there
    rows = (await ctx.json<OutletHistoryRow[]>('outlet_history.json')).filter((r) => r.outlet_id === id);
  } catch (e) {
    if (current()) body.append(ctx.errorMessage(e));
    return;
  }
  if (!current()) return;
  const { start, end } = trailingMonths(ctx.manifest.months, ctx.month);
  const recent = rows.filter((r) => r.month >= start && r.month <= end);
  if (recent.length === 0) {
    body.append(message('info', ctx.t('outlet.no_history')));
    return;
  }
  const grid = h('div', { class: 'chart-grid' });
  body.append(grid);
  const params = { outlet_id: id, start_month: start, end_month: end };
  await Promise.all([
    ctx.chart(grid, { name: 'outlet-history', title: ctx.t('outlet.history_chart'), params: { ...params, complaint_scale: complaintScale } }),
    ctx.chart(grid, { name: 'outlet-rank-history', title: ctx.t('outlet.rank_chart'), params }),
  ]);
  if (!current()) return;
  body.append(
    h('h4', null, ctx.t('outlet.history_table')),
    dataTable({
      columns: historyColumns(ctx),
      rows: recent,
      sort: { key: 'month', direction: 'desc' },
      rowClass: (r) => (r.month === ctx.month ? 'current-row' : undefined),
      labels: tableLabels(ctx),
      id: 'outlet-history-table',
    }).element,
  );
}

async function renderTechnicians(ctx: PageContext, body: HTMLElement, id: string, current: () => boolean, name: string): Promise<void> {
  body.append(h('h3', null, ctx.t('outlet.technicians', { name, month: ctx.month })));
  try {
    const rows = (await ctx.json<TechnicianRow[]>(`technicians/${ctx.month}.json`)).filter((r) => r.outlet_id === id);
    if (!current()) return;
    if (rows.length === 0) {
      body.append(message('info', ctx.t('outlet.no_technicians')));
      return;
    }
    const columns: Column<TechnicianRow>[] = [
      textColumn<TechnicianRow>('technician_id', ctx.t('col.technician_id'), (r) => r.technician_id, {
        rowHeader: true,
        render: (r) => h('a', { href: ctx.pageHref('technicians', hashFor('t', r.technician_id)), class: 'row-link' }, r.technician_id),
      }),
      textColumn<TechnicianRow>('technician_name', ctx.t('col.technician_name'), (r) => r.technician_name),
      ...measureColumns<TechnicianRow>(ctx),
      countColumn<TechnicianRow>(ctx, 'complaint_rank', ctx.t('kpi.complaint_rank'), (r) => r.complaint_rank),
    ];
    body.append(dataTable({ columns, rows, sort: { key: 'tickets_completed', direction: 'desc' }, labels: tableLabels(ctx), id: 'outlet-technicians-table' }).element);
  } catch (e) {
    if (current()) body.append(ctx.errorMessage(e));
  }
}

/** The ranking table, the tier filter and the chart, kept in step when the tier changes. */
interface RankingView {
  outlets: OutletRow[];
  tier: string;
  setTableRows: ((rows: OutletRow[]) => void) | null;
  chartView: { signal(name: string, value: unknown): unknown; runAsync(): Promise<unknown> } | null;
  // the chart's figure and what stands for it when the chosen tier has no ranked outlet
  chartParts: { figure: HTMLElement; empty: HTMLElement } | null;
}

function applyTier(view: RankingView): void {
  const { outlets, tier } = view;
  view.setTableRows?.(outlets.filter((o) => tier === '' || (o.tier ?? '') === tier));
  if (view.chartView) {
    view.chartView.signal('tier', tier);
    void view.chartView.runAsync();
  }
  if (view.chartParts) {
    const none = !hasRanked(outlets, tier);
    view.chartParts.figure.hidden = none;
    view.chartParts.empty.hidden = !none;
  }
}

/** The ranking columns: both ranks with their move, the outlet, and the KPIs the month's file has. */
function rankingColumns(ctx: PageContext, rows: OutletRow[], previous: OutletRow[]): Column<OutletRow>[] {
  const previousTierRank = new Map(previous.map((o) => [o.outlet_id, o.tier_rank]));
  return [
    {
      key: 'outlet_rank',
      label: ctx.t('kpi.outlet_rank'),
      numeric: true,
      value: (r) => r.outlet_rank,
      render: (r) => rankCell(r.outlet_rank, rankChange(ctx.lang, r.outlet_rank, r.previous_outlet_rank ?? null, r.rank_change)),
    },
    {
      key: 'tier_rank',
      label: ctx.t('kpi.tier_rank'),
      numeric: true,
      value: (r) => r.tier_rank,
      render: (r) => rankCell(r.tier_rank, rankChange(ctx.lang, r.tier_rank, previousTierRank.get(r.outlet_id) ?? null)),
    },
    textColumn<OutletRow>('outlet_id', ctx.t('col.outlet_id'), (r) => r.outlet_id, { rowHeader: true, render: (r) => outletLink(ctx, r) }),
    textColumn<OutletRow>('outlet_name', ctx.t('col.outlet_name'), (r) => r.outlet_name),
    textColumn<OutletRow>('tier', ctx.t('col.tier'), (r) => tierLabel(ctx, r.tier)),
    textColumn<OutletRow>('city', ctx.t('col.city'), (r) => r.city),
    ...inFile(measureColumns<OutletRow>(ctx), rows).filter((c) => c.key !== 'neutral_rate' && c.key !== 'unsatisfied_rate'),
    { key: 'composite', label: ctx.t('kpi.composite'), numeric: true, value: (r) => r.composite, render: (r) => score(ctx.lang, r.composite) },
  ];
}

/** The month's ranking with the tier filter and the note on unranked outlets. */
function renderRankingTable(ctx: PageContext, body: HTMLElement, view: RankingView, rows: OutletRow[], previous: OutletRow[], run: RunInfo | null): void {
  const tiers = [...new Set(rows.map((r) => r.tier ?? ''))].filter((x) => x !== '').sort();
  const handle = dataTable({ columns: rankingColumns(ctx, rows, previous), rows, sort: { key: 'outlet_rank', direction: 'asc' }, labels: tableLabels(ctx), id: 'outlet-table' });
  view.setTableRows = handle.setRows;
  const min = run?.config?.outlet_min_tickets;
  body.append(
    h(
      'div',
      { class: 'toolbar' },
      filterField(ctx, ctx.t('col.tier'), tiers.map((x) => ({ value: x, label: tierLabel(ctx, x) })), view.tier, (v) => {
        view.tier = v;
        applyTier(view);
      }, 'filter-tier'),
    ),
    handle.element,
    h('p', { class: 'note' }, ctx.t('outlet.unranked_note', { min: min ?? '—' })),
  );
}

/** The chart's parameters: the tier, how many bars, and the composite's weights from the run's config. */
function compositeParams(run: RunInfo | null, tier: string) {
  const weights = run?.config?.composite_weights ?? {};
  return {
    tier,
    top_n: CHART_TOP,
    w_coverage: weights.revisit_coverage ?? 0.25,
    w_satisfied: weights.satisfied_rate ?? 0.35,
    w_on_time: weights.on_time_rate ?? 0.25,
    w_complaints: weights.complaints ?? 0.15,
    complaint_scale: run?.config?.complaint_rate_scale ?? 10,
  };
}

/** The composite and its weighted parts per outlet, or a message when no outlet is ranked. */
async function renderCompositeChart(ctx: PageContext, body: HTMLElement, view: RankingView, rows: OutletRow[], run: RunInfo | null): Promise<void> {
  // no outlet reached the minimum: say so rather than draw an empty box
  if (!hasRanked(rows, '')) {
    body.append(message('info', ctx.t('outlet.no_ranked', { min: run?.config?.outlet_min_tickets ?? '—' })));
    return;
  }
  const params = compositeParams(run, view.tier);
  body.append(
    h('p', { class: 'note' }, ctx.t('outlet.chart_note', { w1: params.w_coverage, w2: params.w_satisfied, w3: params.w_on_time, w4: params.w_complaints, scale: params.complaint_scale })),
  );
  const result = await ctx.chart(body, { name: 'outlet-composite', title: ctx.t('outlet.chart'), vars: { month: ctx.month }, params });
  view.chartView = result?.view ?? null;
  const figure = body.querySelector<HTMLElement>('figure[data-chart="outlet-composite"]');
  if (figure) {
    view.chartParts = { figure, empty: message('info', ctx.t('outlet.no_ranked_tier')) };
    view.chartParts.empty.hidden = true;
    body.append(view.chartParts.empty);
  }
}

startPage({
  id: 'outlets',
  titleKey: 'outlet.title',
  monthly: true,
  async render(ctx, main) {
    main.append(h('h1', null, ctx.t('outlet.title')));
    const panel = h('section', { class: 'panel', id: 'outlet-technicians', 'aria-labelledby': 'outlet-technicians-heading', hidden: true });
    main.append(panel);
    const ownId = ctx.manifest.access?.outlet_id;
    const ownSection = rankingOnly(ctx) && ownId ? ctx.section(main, ctx.t('outlet.own', { id: ownId, month: ctx.month }), (body) => renderOwnOutlet(ctx, body), { id: 'own-outlet' }) : null;

    const rowsPromise = ctx.json<OutletRow[]>(`outlets/${ctx.month}.json`);
    const before = previousMonth(ctx.month);
    // the month before, for the move within the tier (the published rows carry the overall move only)
    const previousPromise: Promise<OutletRow[]> = ctx.manifest.months.includes(before) ? ctx.json<OutletRow[]>(`outlets/${before}.json`).catch(() => []) : Promise.resolve([]);
    const runPromise = ctx.json<RunInfo>('run.json').catch(() => null);
    const view: RankingView = { outlets: [], tier: '', setTableRows: null, chartView: null, chartParts: null };

    const tableSection = ctx.section(main, ctx.t('outlet.table', { month: ctx.month }), async (body) => {
      const [rows, previous, run] = await Promise.all([rowsPromise, previousPromise, runPromise]);
      view.outlets = rows;
      renderRankingTable(ctx, body, view, rows, previous, run);
    }, { id: 'ranking' });
    const chartSection = rankingOnly(ctx) ? null : ctx.section(main, ctx.t('outlet.chart'), async (body) => {
      const [run, rows] = await Promise.all([runPromise, rowsPromise]);
      await renderCompositeChart(ctx, body, view, rows, run);
    }, { id: 'composite' });

    await Promise.all([ownSection, tableSection, chartSection]);
    await followHash(
      ctx,
      'o',
      async (id) => renderOutletPanel(ctx, panel, id, view.outlets, (await runPromise)?.config?.complaint_rate_scale ?? 10),
      () => {
        panelRequest += 1;
        panel.hidden = true;
        panel.replaceChildren();
      },
    );
  },
});
