/// <reference lib="dom" />
// Overview: the network's KPIs of the month with the change from the month before, and the trends
// of the last twelve months.
import { h } from './lib/dom.ts';
import { deltaCount, deltaPoints, integer, percent, previousMonth, type Delta } from './lib/format.ts';
import { trailingMonths, type NetworkRow, type RunInfo } from './lib/rows.ts';
import { startPage, type PageContext } from './lib/shell.ts';
import type { StringKey } from './lib/strings.ts';

interface CardDef {
  key: keyof NetworkRow & string;
  label: StringKey;
  kind: 'count' | 'rate';
  /** which way is good news: up, down, or neither */
  good: 'up' | 'down' | null;
  detail?: (row: NetworkRow, ctx: PageContext) => string;
  /** decimals of the change in percentage points */
  pointDigits?: number;
  valueDigits?: number;
}

const CARDS: CardDef[] = [
  { key: 'tickets_completed', label: 'kpi.tickets_completed', kind: 'count', good: null },
  {
    key: 'revisit_coverage',
    label: 'kpi.revisit_coverage',
    kind: 'rate',
    good: 'up',
    detail: (r, ctx) => ctx.t('kpi.covered_of', { covered: integer(ctx.lang, r.revisit_covered), total: integer(ctx.lang, r.tickets_completed) }),
  },
  { key: 'satisfied_rate', label: 'kpi.satisfied_rate', kind: 'rate', good: 'up', detail: (r, ctx) => ctx.t('kpi.rated_of', { rated: integer(ctx.lang, r.rated) }) },
  {
    key: 'on_time_rate',
    label: 'kpi.on_time_rate',
    kind: 'rate',
    good: 'up',
    detail: (r, ctx) => ctx.t('kpi.judged_of', { on_time: integer(ctx.lang, r.on_time), judged: integer(ctx.lang, r.on_time_judged) }),
  },
  { key: 'complaints', label: 'kpi.complaints', kind: 'count', good: 'down' },
  { key: 'complaint_rate', label: 'kpi.complaint_rate', kind: 'rate', good: 'down', pointDigits: 2, valueDigits: 2 },
  {
    key: 'repeat_repair_rate',
    label: 'kpi.repeat_repair_rate',
    kind: 'rate',
    good: 'down',
    pointDigits: 2,
    valueDigits: 2,
    detail: (r, ctx) => ctx.t('kpi.repeats_of', { repeats: integer(ctx.lang, r.repeat_repairs), total: integer(ctx.lang, r.tickets_completed) }),
  },
  {
    key: 'followup_week_rate',
    label: 'kpi.followup_week_rate',
    kind: 'rate',
    good: 'up',
    detail: (r, ctx) => ctx.t('kpi.followups_of', { done: integer(ctx.lang, r.followup_week), due: integer(ctx.lang, r.followup_due) }),
  },
  {
    key: 'followup_month_rate',
    label: 'kpi.followup_month_rate',
    kind: 'rate',
    good: 'up',
    detail: (r, ctx) => ctx.t('kpi.followups_of', { done: integer(ctx.lang, r.followup_month), due: integer(ctx.lang, r.followup_due) }),
  },
];

/** What the repeat and follow-up cards count, with the windows of the run's config. */
async function measuresNote(ctx: PageContext): Promise<HTMLElement> {
  const config = (await ctx.json<RunInfo>('run.json').catch(() => null))?.config;
  return h(
    'p',
    { class: 'note', id: 'measures-note' },
    ctx.t('overview.measures_note', { repeat_days: config?.repeat_window_days ?? '—', week_days: config?.followup_week_days ?? '—', month_days: config?.followup_month_days ?? '—' }),
  );
}

function card(def: CardDef, row: NetworkRow, previous: NetworkRow | undefined, ctx: PageContext): HTMLElement {
  const value = row[def.key];
  const before = previous?.[def.key];
  const shown = def.kind === 'rate' ? percent(ctx.lang, value, def.valueDigits ?? 1) : integer(ctx.lang, value);
  const delta: Delta | null = previous === undefined ? null : def.kind === 'rate' ? deltaPoints(ctx.lang, value, before, def.pointDigits ?? 1) : deltaCount(ctx.lang, value, before);
  let tone = 'neutral';
  if (delta && def.good && delta.direction !== 'same') tone = delta.direction === def.good ? 'good' : 'bad';
  return h(
    'article',
    { class: 'kpi-card', 'data-kpi': def.key },
    h('h3', { class: 'kpi-label' }, ctx.t(def.label)),
    h('p', { class: 'kpi-value' }, shown),
    h(
      'p',
      { class: `kpi-delta delta-${delta?.direction ?? 'none'} tone-${tone}` },
      delta ? [h('span', { class: 'delta-value' }, delta.text), ' ', h('span', { class: 'delta-note' }, ctx.t('common.vs_prev'))] : ctx.t('common.no_prev'),
    ),
    def.detail ? h('p', { class: 'kpi-detail' }, def.detail(row, ctx)) : null,
  );
}

startPage({
  id: 'overview',
  titleKey: 'overview.title',
  monthly: true,
  async render(ctx, main) {
    main.append(h('h1', null, ctx.t('overview.title')));
    const network = ctx.json<NetworkRow[]>('network.json');

    const kpis = ctx.section(main, ctx.t('overview.kpis', { month: ctx.month }), async (body) => {
      const rows = await network;
      const row = rows.find((r) => r.month === ctx.month);
      if (!row) {
        body.append(h('p', { class: 'message message-info' }, ctx.t('state.empty')));
        return;
      }
      const previous = rows.find((r) => r.month === previousMonth(ctx.month));
      body.append(h('div', { class: 'kpi-grid' }, CARDS.map((def) => card(def, row, previous, ctx))), await measuresNote(ctx));
    }, { id: 'kpis' });

    const { start, end } = trailingMonths(ctx.manifest.months, ctx.month);
    const params = { start_month: start, end_month: end };
    const trends = ctx.section(main, ctx.t('overview.trends'), async (body) => {
      const grid = h('div', { class: 'chart-grid' });
      body.append(grid);
      await Promise.all([
        ctx.chart(grid, { name: 'network-coverage', title: ctx.t('overview.chart_coverage'), params }),
        ctx.chart(grid, { name: 'network-satisfaction', title: ctx.t('overview.chart_satisfaction'), params }),
        ctx.chart(grid, { name: 'network-on-time', title: ctx.t('overview.chart_on_time'), params }),
        ctx.chart(grid, { name: 'network-complaints', title: ctx.t('overview.chart_complaints'), params }),
        ctx.chart(grid, { name: 'network-repeats', title: ctx.t('overview.chart_repeats'), params }),
        ctx.chart(grid, { name: 'network-followups', title: ctx.t('overview.chart_followups'), params }),
      ]);
    }, { id: 'trends' });

    await Promise.all([kpis, trends]);
  },
});
