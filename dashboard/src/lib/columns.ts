/// <reference lib="dom" />
// Table columns shared by several pages: the KPI measures, technician and outlet cells.
import { h, type Child } from './dom.ts';
import { integer, percent } from './format.ts';
import type { Measures } from './rows.ts';
import type { PageContext } from './shell.ts';
import { translateCode } from './strings.ts';
import type { Column, TableOptions } from './table.ts';

export function tableLabels(ctx: PageContext): TableOptions<unknown>['labels'] {
  return {
    showMore: ctx.t('common.show_more'),
    rowsShown: (shown, total) => ctx.t('common.rows_shown', { shown: integer(ctx.lang, shown), total: integer(ctx.lang, total) }),
    empty: ctx.t('state.empty'),
    sortHint: ctx.t('common.sort_hint'),
  };
}

export function rateColumn<R>(ctx: PageContext, key: string, label: string, get: (row: R) => number | null | undefined, digits = 1): Column<R> {
  return { key, label, numeric: true, value: (r) => get(r) ?? null, render: (r) => percent(ctx.lang, get(r), digits) };
}

export function countColumn<R>(ctx: PageContext, key: string, label: string, get: (row: R) => number | null | undefined): Column<R> {
  return { key, label, numeric: true, value: (r) => get(r) ?? null, render: (r) => integer(ctx.lang, get(r)) };
}

export function textColumn<R>(key: string, label: string, get: (row: R) => string | null | undefined, options: Partial<Column<R>> = {}): Column<R> {
  return { key, label, value: (r) => get(r) ?? null, ...options };
}

/** The KPI columns of a technician, outlet or network row. */
export function measureColumns<R extends Measures>(ctx: PageContext): Column<R>[] {
  return [
    countColumn<R>(ctx, 'tickets_completed', ctx.t('kpi.tickets_completed'), (r) => r.tickets_completed),
    rateColumn<R>(ctx, 'revisit_coverage', ctx.t('kpi.revisit_coverage'), (r) => r.revisit_coverage),
    rateColumn<R>(ctx, 'satisfied_rate', ctx.t('kpi.satisfied_rate'), (r) => r.satisfied_rate),
    rateColumn<R>(ctx, 'neutral_rate', ctx.t('kpi.neutral_rate'), (r) => r.neutral_rate),
    rateColumn<R>(ctx, 'unsatisfied_rate', ctx.t('kpi.unsatisfied_rate'), (r) => r.unsatisfied_rate),
    rateColumn<R>(ctx, 'on_time_rate', ctx.t('kpi.on_time_rate'), (r) => r.on_time_rate),
    countColumn<R>(ctx, 'complaints', ctx.t('kpi.complaints'), (r) => r.complaints),
    rateColumn<R>(ctx, 'complaint_rate', ctx.t('kpi.complaint_rate'), (r) => r.complaint_rate),
    countColumn<R>(ctx, 'repeat_repairs', ctx.t('col.repeat_repairs'), (r) => r.repeat_repairs),
    rateColumn<R>(ctx, 'repeat_repair_rate', ctx.t('col.repeat_repair_rate'), (r) => r.repeat_repair_rate),
    countColumn<R>(ctx, 'followup_due', ctx.t('col.followup_due'), (r) => r.followup_due),
    rateColumn<R>(ctx, 'followup_week_rate', ctx.t('col.followup_week_rate'), (r) => r.followup_week_rate),
    rateColumn<R>(ctx, 'followup_month_rate', ctx.t('col.followup_month_rate'), (r) => r.followup_month_rate),
  ];
}

export function tierLabel(ctx: PageContext, tier: string | null | undefined): string {
  return tier ? translateCode(ctx.lang, 'tier', tier) : ctx.t('tier.unknown');
}

/** "Name (ID)" or just the id. */
export function nameAndId(name: string | null | undefined, id: string | null | undefined): Child {
  if (!id) return '—';
  return name ? [h('span', { class: 'name' }, name), ' ', h('span', { class: 'id' }, id)] : h('span', { class: 'id' }, id);
}

/** Reads `key=value` pairs of the location hash, e.g. `#t=T0001`. */
export function hashParam(name: string): string | null {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const value = params.get(name);
  return value === null || value === '' ? null : value;
}

export function hashFor(name: string, value: string): string {
  return `${name}=${encodeURIComponent(value)}`;
}

/** Removes the hash without reloading or scrolling. */
export function clearHash(): void {
  window.history.pushState(null, '', window.location.pathname + window.location.search);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
