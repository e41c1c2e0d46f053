/// <reference lib="dom" />
// Technicians: every KPI of the month in a sortable, filterable table; the complaint ranking; the
// technicians under the ranking threshold; and one technician's twelve months on request (#t=<id>).
import { clearHash, countColumn, hashFor, hashParam, measureColumns, nameAndId, tableLabels, textColumn, tierLabel } from './lib/columns.ts';
import { historyShard } from './lib/data.ts';
import { h, message, searchField, selectField } from './lib/dom.ts';
import { integer, percent } from './lib/format.ts';
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
    let monthRows: TechnicianRow[] | null = null;

    const showHistory = async () => {
      const id = hashParam('t');
      if (!id) {
        historyRequest += 1;
        historyPanel.hidden = true;
        historyPanel.replaceChildren();
        return;
      }
      await renderHistory(ctx, historyPanel, id, monthRows);
    };

    const ranking = ctx.section(main, ctx.t('tech.ranking'), async (body) => {
      const [rows, min] = await Promise.all([rowsPromise, minPromise]);
      body.append(h('p', { class: 'note' }, ctx.t('tech.ranking_note', { min: min ?? '—', top: RANKING_TOP })));
      const withComplaints = rows.filter((r) => r.complaint_rank !== null && (r.complaint_rate ?? 0) > 0);
      if (withComplaints.length === 0) {
        body.append(message('info', ctx.t('tech.ranking_empty')));
        return;
      }
      await ctx.chart(body, { name: 'technician-complaint-ranking', title: ctx.t('tech.ranking'), vars: { month: ctx.month }, params: { top_n: RANKING_TOP } });
    }, { id: 'ranking' });

    const table = ctx.section(main, ctx.t('tech.table', { month: ctx.month }), async (body) => {
      const rows = await rowsPromise;
      monthRows = rows;
      const state = { outlet: '', tier: '', search: '' };
      const outlets = [...new Map(rows.filter((r) => r.outlet_id).map((r) => [r.outlet_id!, r.outlet_name ?? null])).entries()].sort((a, b) => a[0].localeCompare(b[0]));
      const tiers = [...new Set(rows.map((r) => r.tier ?? ''))].sort();
      const handle = dataTable({
        columns: technicianColumns(ctx),
        rows,
        sort: { key: 'complaint_rank', direction: 'asc' },
        pageSize: 200,
        labels: tableLabels(ctx),
        id: 'technician-table',
      });
      const apply = () => {
        const needle = state.search.trim().toLowerCase();
        handle.setRows(
          rows.filter(
            (r) =>
              (state.outlet === '' || r.outlet_id === state.outlet) &&
              (state.tier === '' || (r.tier ?? '') === state.tier) &&
              (needle === '' || r.technician_id.toLowerCase().includes(needle) || (r.technician_name ?? '').toLowerCase().includes(needle)),
          ),
        );
      };
      const toolbar = h(
        'div',
        { class: 'toolbar', role: 'search' },
        selectField(ctx.t('tech.filter_outlet'), [{ value: '', label: ctx.t('common.all') }, ...outlets.map(([id, name]) => ({ value: id, label: name ? `${name} ${id}` : id }))], '', (v) => {
          state.outlet = v;
          apply();
        }, 'filter-outlet'),
        selectField(ctx.t('tech.filter_tier'), [{ value: '', label: ctx.t('common.all') }, ...tiers.filter((x) => x !== '').map((x) => ({ value: x, label: tierLabel(ctx, x) }))], '', (v) => {
          state.tier = v;
          apply();
        }, 'filter-tier'),
        searchField(ctx.t('tech.search_label'), ctx.t('common.search_placeholder'), '', (v) => {
          state.search = v;
          apply();
        }, 'filter-search'),
      );
      body.append(toolbar, handle.element);
    }, { id: 'technician-kpis' });

    const unranked = ctx.section(main, ctx.t('tech.unranked'), async (body) => {
      const [rows, min] = await Promise.all([rowsPromise, minPromise]);
      const list = rows.filter((r) => r.complaint_rank === null);
      body.append(h('p', { class: 'note' }, ctx.t('tech.unranked_note', { min: min ?? '—' })));
      if (list.length === 0) {
        body.append(message('info', ctx.t('tech.unranked_empty')));
        return;
      }
      const columns: Column<TechnicianRow>[] = [
        textColumn<TechnicianRow>('technician_id', ctx.t('col.technician_id'), (r) => r.technician_id, { rowHeader: true, render: (r) => technicianLink(ctx, r) }),
        textColumn<TechnicianRow>('technician_name', ctx.t('col.technician_name'), (r) => r.technician_name),
        textColumn<TechnicianRow>('outlet', ctx.t('col.outlet'), (r) => r.outlet_name ?? r.outlet_id, { render: (r) => nameAndId(r.outlet_name, r.outlet_id) }),
        countColumn<TechnicianRow>(ctx, 'tickets_completed', ctx.t('kpi.tickets_completed'), (r) => r.tickets_completed),
        countColumn<TechnicianRow>(ctx, 'complaints', ctx.t('kpi.complaints'), (r) => r.complaints),
        { key: 'complaint_rate', label: ctx.t('kpi.complaint_rate'), numeric: true, value: (r) => r.complaint_rate, render: (r) => percent(ctx.lang, r.complaint_rate) },
      ];
      body.append(dataTable({ columns, rows: list, sort: { key: 'tickets_completed', direction: 'desc' }, pageSize: 200, labels: tableLabels(ctx), id: 'unranked-table' }).element);
      body.append(h('p', { class: 'note' }, `${integer(ctx.lang, list.length)} / ${integer(ctx.lang, rows.length)}`));
    }, { id: 'unranked' });

    await Promise.all([table, ranking, unranked]);
    ctx.listen(window, 'hashchange', () => void showHistory());
    await showHistory();
  },
});
