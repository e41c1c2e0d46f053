/// <reference lib="dom" />
// Technicians: every KPI of the month in a sortable, filterable table; the complaint ranking; the
// technicians under the ranking threshold; and one technician's twelve months on request (#t=<id>).
import { clearHash, countColumn, hashFor, measureColumns, nameAndId, tableLabels, textColumn, tierLabel } from './lib/columns.ts';
import { historyShard } from './lib/data.ts';
import { h, message, searchField } from './lib/dom.ts';
import { filterField } from './lib/filters.ts';
import { integer, percent } from './lib/format.ts';
import { followHash } from './lib/hash-panel.ts';
import { trailingMonths, type RunInfo, type TechnicianRow } from './lib/rows.ts';
import { startPage, type PageContext } from './lib/shell.ts';
import { dataTable, type Column } from './lib/table.ts';

const RANKING_TOP = 20;

function technicianLink(ctx: PageContext, row: { technician_id: string }): HTMLElement {
  return h('a', { href: `#${hashFor('t', row.technician_id)}`, class: 'row-link', title: ctx.t('tech.open_history', { id: row.technician_id }) }, row.technician_id);
}

function technicianColumns(ctx: PageContext): Column<TechnicianRow>[] {
  return [
    textColumn<TechnicianRow>('technician_id', ctx.t('col.technician_id'), (r) => r.technician_id, { rowHeader: true, render: (r) => technicianLink(ctx, r) }),
    textColumn<TechnicianRow>('technician_name', ctx.t('col.technician_name'), (r) => r.technician_name),
    textColumn<TechnicianRow>('outlet', ctx.t('col.outlet'), (r) => r.outlet_name ?? r.outlet_id, { render: (r) => nameAndId(r.outlet_name, r.outlet_id) }),
    textColumn<TechnicianRow>('tier', ctx.t('col.tier'), (r) => tierLabel(ctx, r.tier)),
    ...measureColumns<TechnicianRow>(ctx),
    countColumn<TechnicianRow>(ctx, 'complaint_rank', ctx.t('kpi.complaint_rank'), (r) => r.complaint_rank),
  ];
}

async function minTickets(ctx: PageContext): Promise<number | null> {
  try {
    const run = await ctx.json<RunInfo>('run.json');
    return run.config?.technician_min_tickets ?? null;
  } catch {
    return null;
  }
}

let historyRequest = 0;

async function renderHistory(ctx: PageContext, panel: HTMLElement, id: string, monthRows: TechnicianRow[] | null): Promise<void> {
  const request = ++historyRequest;
  panel.replaceChildren();
  panel.hidden = false;
  panel.dataset.state = 'loading';
  const known = monthRows?.find((r) => r.technician_id === id);
  const name = known?.technician_name ? `${known.technician_name} (${id})` : id;
  const heading = h('h2', { id: 'history-heading', tabindex: '-1' }, ctx.t('tech.history', { name }));
  const close = h('button', { type: 'button', class: 'close-button', onclick: () => clearHash() }, ctx.t('common.close'));
  panel.append(h('div', { class: 'panel-head' }, heading, close));
  const body = h('div', { class: 'section-body' });
  panel.append(body);
  heading.focus({ preventScroll: true });
  panel.scrollIntoView({ block: 'start' });

  let history: TechnicianRow[];
  try {
    // one history file holds the rows of a share of all technicians
    history = (await ctx.json<TechnicianRow[]>(`technician_history/${historyShard(id)}.json`)).filter((r) => r.technician_id === id);
  } catch (e) {
    if (request !== historyRequest) return;
    body.append(ctx.errorMessage(e));
    panel.dataset.state = 'ready';
    return;
  }
  // another technician was asked for meanwhile: that request draws the panel
  if (request !== historyRequest) return;
  const { start, end } = trailingMonths(ctx.manifest.months, ctx.month);
  const recent = history.filter((r) => r.month >= start && r.month <= end);
  await ctx.chart(body, { name: 'technician-history', title: ctx.t('tech.history_chart'), vars: { shard: historyShard(id) }, params: { technician_id: id, start_month: start, end_month: end }, className: 'history-chart' });
  const columns: Column<TechnicianRow>[] = [
    textColumn<TechnicianRow>('month', ctx.t('col.month'), (r) => r.month, { rowHeader: true }),
    textColumn<TechnicianRow>('outlet', ctx.t('col.outlet'), (r) => r.outlet_id),
    ...measureColumns<TechnicianRow>(ctx),
    countColumn<TechnicianRow>(ctx, 'complaint_rank', ctx.t('kpi.complaint_rank'), (r) => r.complaint_rank),
  ];
  body.append(
    h('h3', null, ctx.t('tech.history_table')),
    dataTable({
      columns,
      rows: recent,
      sort: { key: 'month', direction: 'desc' },
      rowClass: (r) => (r.month === ctx.month ? 'current-row' : undefined),
      labels: tableLabels(ctx),
      id: 'history-table',
    }).element,
  );
  panel.dataset.state = 'ready';
}

/** The complaint ranking chart: the technicians with complaints, best ranked first. */
async function renderRanking(ctx: PageContext, body: HTMLElement, rows: TechnicianRow[], min: number | null): Promise<void> {
  body.append(h('p', { class: 'note' }, ctx.t('tech.ranking_note', { min: min ?? '—', top: RANKING_TOP })));
  const withComplaints = rows.filter((r) => r.complaint_rank !== null && (r.complaint_rate ?? 0) > 0);
  if (withComplaints.length === 0) {
    body.append(message('info', ctx.t('tech.ranking_empty')));
    return;
  }
  await ctx.chart(body, { name: 'technician-complaint-ranking', title: ctx.t('tech.ranking'), vars: { month: ctx.month }, params: { top_n: RANKING_TOP } });
}

interface TechnicianFilter {
  outlet: string;
  tier: string;
  search: string;
}

function filtered(rows: TechnicianRow[], filter: TechnicianFilter): TechnicianRow[] {
  const needle = filter.search.trim().toLowerCase();
  return rows.filter(
    (r) =>
      (filter.outlet === '' || r.outlet_id === filter.outlet) &&
      (filter.tier === '' || (r.tier ?? '') === filter.tier) &&
      (needle === '' || r.technician_id.toLowerCase().includes(needle) || (r.technician_name ?? '').toLowerCase().includes(needle)),
  );
}

/** The filters above the KPI table: outlet, tier and a search by id or name; each change calls apply. */
function technicianToolbar(ctx: PageContext, rows: TechnicianRow[], filter: TechnicianFilter, apply: () => void): HTMLElement {
  const outlets = [...new Map(rows.filter((r) => r.outlet_id).map((r) => [r.outlet_id!, r.outlet_name ?? null])).entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const tiers = [...new Set(rows.map((r) => r.tier ?? ''))].sort();
  return h(
    'div',
    { class: 'toolbar', role: 'search' },
    filterField(ctx, ctx.t('tech.filter_outlet'), outlets.map(([id, name]) => ({ value: id, label: name ? `${name} ${id}` : id })), '', (v) => {
      filter.outlet = v;
      apply();
    }, 'filter-outlet'),
    filterField(ctx, ctx.t('tech.filter_tier'), tiers.filter((x) => x !== '').map((x) => ({ value: x, label: tierLabel(ctx, x) })), '', (v) => {
      filter.tier = v;
      apply();
    }, 'filter-tier'),
    searchField(ctx.t('tech.search_label'), ctx.t('common.search_placeholder'), '', (v) => {
      filter.search = v;
      apply();
    }, 'filter-search'),
  );
}

/** Every technician's KPIs of the month, with the filters. */
function renderTechnicianTable(ctx: PageContext, body: HTMLElement, rows: TechnicianRow[]): void {
  const filter: TechnicianFilter = { outlet: '', tier: '', search: '' };
  const handle = dataTable({
    columns: technicianColumns(ctx),
    rows,
    sort: { key: 'complaint_rank', direction: 'asc' },
    pageSize: 200,
    labels: tableLabels(ctx),
    id: 'technician-table',
  });
  const apply = () => handle.setRows(filtered(rows, filter));
  body.append(technicianToolbar(ctx, rows, filter, apply), handle.element);
}

function unrankedColumns(ctx: PageContext): Column<TechnicianRow>[] {
  return [
    textColumn<TechnicianRow>('technician_id', ctx.t('col.technician_id'), (r) => r.technician_id, { rowHeader: true, render: (r) => technicianLink(ctx, r) }),
    textColumn<TechnicianRow>('technician_name', ctx.t('col.technician_name'), (r) => r.technician_name),
    textColumn<TechnicianRow>('outlet', ctx.t('col.outlet'), (r) => r.outlet_name ?? r.outlet_id, { render: (r) => nameAndId(r.outlet_name, r.outlet_id) }),
    countColumn<TechnicianRow>(ctx, 'tickets_completed', ctx.t('kpi.tickets_completed'), (r) => r.tickets_completed),
    countColumn<TechnicianRow>(ctx, 'complaints', ctx.t('kpi.complaints'), (r) => r.complaints),
    { key: 'complaint_rate', label: ctx.t('kpi.complaint_rate'), numeric: true, value: (r) => r.complaint_rate, render: (r) => percent(ctx.lang, r.complaint_rate) },
  ];
}

/** The technicians under the ranking threshold, and how many they are of all. */
function renderUnranked(ctx: PageContext, body: HTMLElement, rows: TechnicianRow[], min: number | null): void {
  const list = rows.filter((r) => r.complaint_rank === null);
  body.append(h('p', { class: 'note' }, ctx.t('tech.unranked_note', { min: min ?? '—' })));
  if (list.length === 0) {
    body.append(message('info', ctx.t('tech.unranked_empty')));
    return;
  }
  body.append(dataTable({ columns: unrankedColumns(ctx), rows: list, sort: { key: 'tickets_completed', direction: 'desc' }, pageSize: 200, labels: tableLabels(ctx), id: 'unranked-table' }).element);
  body.append(h('p', { class: 'note' }, `${integer(ctx.lang, list.length)} / ${integer(ctx.lang, rows.length)}`));
}

startPage({
  id: 'technicians',
  titleKey: 'tech.title',
  monthly: true,
  async render(ctx, main) {
    main.append(h('h1', null, ctx.t('tech.title')));
    const historyPanel = h('section', { class: 'panel history-panel', id: 'history', 'aria-labelledby': 'history-heading', hidden: true });
    main.append(historyPanel);

    const rowsPromise = ctx.json<TechnicianRow[]>(`technicians/${ctx.month}.json`);
    const minPromise = minTickets(ctx);
    // the month's rows, once the table has them: the history panel names the technician from them
    let monthRows: TechnicianRow[] | null = null;

    const ranking = ctx.section(main, ctx.t('tech.ranking'), async (body) => {
      const [rows, min] = await Promise.all([rowsPromise, minPromise]);
      await renderRanking(ctx, body, rows, min);
    }, { id: 'ranking' });
    const table = ctx.section(main, ctx.t('tech.table', { month: ctx.month }), async (body) => {
      const rows = await rowsPromise;
      monthRows = rows;
      renderTechnicianTable(ctx, body, rows);
    }, { id: 'technician-kpis' });
    const unranked = ctx.section(main, ctx.t('tech.unranked'), async (body) => {
      const [rows, min] = await Promise.all([rowsPromise, minPromise]);
      renderUnranked(ctx, body, rows, min);
    }, { id: 'unranked' });

    await Promise.all([table, ranking, unranked]);
    await followHash(
      ctx,
      't',
      (id) => renderHistory(ctx, historyPanel, id, monthRows),
      () => {
        historyRequest += 1;
        historyPanel.hidden = true;
        historyPanel.replaceChildren();
      },
    );
  },
});
