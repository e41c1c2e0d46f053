/// <reference lib="dom" />
// Outlets: the month's ranking overall and within the tier with the move since last month, the
// composite and its weighted parts, and one outlet's technicians on request (#o=<id>).
import { clearHash, countColumn, hashFor, hashParam, measureColumns, tableLabels, textColumn, tierLabel } from './lib/columns.ts';
import { h, message, selectField } from './lib/dom.ts';
import { previousMonth, rankChange, score, type RankChange } from './lib/format.ts';
import type { OutletRow, RunInfo, TechnicianRow } from './lib/rows.ts';
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

function outletLink(ctx: PageContext, row: OutletRow): HTMLElement {
  return h('a', { href: `#${hashFor('o', row.outlet_id)}`, class: 'row-link', title: ctx.t('outlet.open_technicians', { id: row.outlet_id }) }, row.outlet_id);
}

let panelRequest = 0;

async function renderTechnicians(ctx: PageContext, panel: HTMLElement, id: string, outlets: OutletRow[]): Promise<void> {
  const request = ++panelRequest;
  panel.replaceChildren();
  panel.hidden = false;
  panel.dataset.state = 'loading';
  const outlet = outlets.find((o) => o.outlet_id === id);
  const name = outlet?.outlet_name ? `${outlet.outlet_name} (${id})` : id;
  const heading = h('h2', { id: 'outlet-technicians-heading', tabindex: '-1' }, ctx.t('outlet.technicians', { name, month: ctx.month }));
  panel.append(h('div', { class: 'panel-head' }, heading, h('button', { type: 'button', class: 'close-button', onclick: () => clearHash() }, ctx.t('common.close'))));
  heading.focus({ preventScroll: true });
  panel.scrollIntoView({ block: 'start' });
  try {
    const rows = (await ctx.json<TechnicianRow[]>(`technicians/${ctx.month}.json`)).filter((r) => r.outlet_id === id);
    // another outlet was asked for meanwhile: that request draws the panel
    if (request !== panelRequest) return;
    if (rows.length === 0) {
      panel.append(message('info', ctx.t('outlet.no_technicians')));
    } else {
      const columns: Column<TechnicianRow>[] = [
        textColumn<TechnicianRow>('technician_id', ctx.t('col.technician_id'), (r) => r.technician_id, {
          rowHeader: true,
          render: (r) => h('a', { href: ctx.pageHref('technicians', hashFor('t', r.technician_id)), class: 'row-link' }, r.technician_id),
        }),
        textColumn<TechnicianRow>('technician_name', ctx.t('col.technician_name'), (r) => r.technician_name),
        ...measureColumns<TechnicianRow>(ctx),
        countColumn<TechnicianRow>(ctx, 'complaint_rank', ctx.t('kpi.complaint_rank'), (r) => r.complaint_rank),
      ];
      panel.append(dataTable({ columns, rows, sort: { key: 'tickets_completed', direction: 'desc' }, labels: tableLabels(ctx), id: 'outlet-technicians-table' }).element);
    }
  } catch (e) {
    if (request !== panelRequest) return;
    panel.append(ctx.errorMessage(e));
  }
  panel.dataset.state = 'ready';
}

startPage({
  id: 'outlets',
  titleKey: 'outlet.title',
  monthly: true,
  async render(ctx, main) {
    main.append(h('h1', null, ctx.t('outlet.title')));
    const panel = h('section', { class: 'panel', id: 'outlet-technicians', 'aria-labelledby': 'outlet-technicians-heading', hidden: true });
    main.append(panel);

    const rowsPromise = ctx.json<OutletRow[]>(`outlets/${ctx.month}.json`);
    const before = previousMonth(ctx.month);
    // the month before, for the move within the tier (the published rows carry the overall move only)
    const previousPromise: Promise<OutletRow[]> = ctx.manifest.months.includes(before) ? ctx.json<OutletRow[]>(`outlets/${before}.json`).catch(() => []) : Promise.resolve([]);
    const runPromise = ctx.json<RunInfo>('run.json').catch(() => null);
    let outlets: OutletRow[] = [];
    let tier = '';
    let chartView: { signal(name: string, value: unknown): unknown; runAsync(): Promise<unknown> } | null = null;
    let setTableRows: ((rows: OutletRow[]) => void) | null = null;

    const applyTier = () => {
      setTableRows?.(outlets.filter((o) => tier === '' || (o.tier ?? '') === tier));
      if (chartView) {
        chartView.signal('tier', tier);
        void chartView.runAsync();
      }
    };

    const tableSection = ctx.section(main, ctx.t('outlet.table', { month: ctx.month }), async (body) => {
      const [rows, previous, run] = await Promise.all([rowsPromise, previousPromise, runPromise]);
      outlets = rows;
      const previousTierRank = new Map(previous.map((o) => [o.outlet_id, o.tier_rank]));
      const tiers = [...new Set(rows.map((r) => r.tier ?? ''))].filter((x) => x !== '').sort();
      const columns: Column<OutletRow>[] = [
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
        ...measureColumns<OutletRow>(ctx).filter((c) => c.key !== 'neutral_rate' && c.key !== 'unsatisfied_rate'),
        { key: 'composite', label: ctx.t('kpi.composite'), numeric: true, value: (r) => r.composite, render: (r) => score(ctx.lang, r.composite) },
      ];
      const handle = dataTable({ columns, rows, sort: { key: 'outlet_rank', direction: 'asc' }, labels: tableLabels(ctx), id: 'outlet-table' });
      setTableRows = handle.setRows;
      const min = run?.config?.outlet_min_tickets;
      body.append(
        h(
          'div',
          { class: 'toolbar' },
          selectField(ctx.t('col.tier'), [{ value: '', label: ctx.t('common.all') }, ...tiers.map((x) => ({ value: x, label: tierLabel(ctx, x) }))], tier, (v) => {
            tier = v;
            applyTier();
          }, 'filter-tier'),
        ),
        handle.element,
        h('p', { class: 'note' }, ctx.t('outlet.unranked_note', { min: min ?? '—' })),
      );
    }, { id: 'ranking' });

    const chartSection = ctx.section(main, ctx.t('outlet.chart'), async (body) => {
      const run = await runPromise;
      const weights = run?.config?.composite_weights ?? {};
      const params = {
        tier,
        top_n: CHART_TOP,
        w_coverage: weights.revisit_coverage ?? 0.25,
        w_satisfied: weights.satisfied_rate ?? 0.35,
        w_on_time: weights.on_time_rate ?? 0.25,
        w_complaints: weights.complaints ?? 0.15,
        complaint_scale: run?.config?.complaint_rate_scale ?? 10,
      };
      body.append(
        h('p', { class: 'note' }, ctx.t('outlet.chart_note', { w1: params.w_coverage, w2: params.w_satisfied, w3: params.w_on_time, w4: params.w_complaints, scale: params.complaint_scale })),
      );
      const result = await ctx.chart(body, { name: 'outlet-composite', title: ctx.t('outlet.chart'), vars: { month: ctx.month }, params });
      chartView = result?.view ?? null;
    }, { id: 'composite' });

    await Promise.all([tableSection, chartSection]);

    const show = async () => {
      const id = hashParam('o');
      if (!id) {
        panelRequest += 1;
        panel.hidden = true;
        panel.replaceChildren();
        return;
      }
      await renderTechnicians(ctx, panel, id, outlets);
    };
    ctx.listen(window, 'hashchange', () => void show());
    await show();
  },
});
