/// <reference lib="dom" />
// Revisit backlog for the call centre: completed tickets still without an effective revisit,
// oldest first, open (window running) or overdue, with the count per outlet.
import { countColumn, nameAndId, tableLabels, textColumn } from './lib/columns.ts';
import { badge, h, message, selectField } from './lib/dom.ts';
import { decimal, integer, naiveTime } from './lib/format.ts';
import type { Backlog, BacklogRow } from './lib/rows.ts';
import { startPage, type PageContext } from './lib/shell.ts';
import { translateCode } from './lib/strings.ts';
import { dataTable, type Column } from './lib/table.ts';

function stateBadge(ctx: PageContext, state: string): HTMLElement {
  return badge(state, state === 'open' ? ctx.t('backlog.open') : state === 'overdue' ? ctx.t('backlog.overdue') : state);
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
    const open = rows.filter((r) => r.state === 'open').length;
    const overdue = rows.filter((r) => r.state === 'overdue').length;
    main.append(
      h(
        'p',
        { class: 'message message-info', id: 'backlog-summary' },
        ctx.t('backlog.summary', { as_of: naiveTime(backlog.as_of), total: integer(ctx.lang, backlog.total ?? rows.length), open: integer(ctx.lang, open), overdue: integer(ctx.lang, overdue) }),
      ),
    );

    const outletSection = ctx.section(main, ctx.t('backlog.by_outlet'), async (body) => {
      const byOutlet = backlog.by_outlet ?? [];
      if (byOutlet.length === 0) {
        body.append(message('info', ctx.t('backlog.empty')));
        return;
      }
      type Outlet = Backlog['by_outlet'][number];
      const table = dataTable<Outlet>({
        columns: [
          textColumn<Outlet>('outlet_id', ctx.t('col.outlet'), (r) => r.outlet_id, { rowHeader: true, render: (r) => nameAndId(r.outlet_name, r.outlet_id) }),
          countColumn<Outlet>(ctx, 'open', ctx.t('backlog.open'), (r) => r.open),
          countColumn<Outlet>(ctx, 'overdue', ctx.t('backlog.overdue'), (r) => r.overdue),
          countColumn<Outlet>(ctx, 'total', ctx.t('common.total'), (r) => r.open + r.overdue),
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
      });
      const grid = h('div', { class: 'two-columns' }, table.element);
      body.append(grid);
      await ctx.chart(grid, { name: 'backlog-by-outlet', title: ctx.t('backlog.chart') });
    }, { id: 'by-outlet' });

    const rowsSection = ctx.section(main, ctx.t('backlog.rows'), (body) => {
      if (rows.length === 0) {
        body.append(message('info', ctx.t('backlog.empty')));
        return;
      }
      const columns: Column<BacklogRow>[] = [
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
      const handle = dataTable({ columns, rows, sort: { key: 'completed_at', direction: 'asc' }, pageSize: 200, labels: tableLabels(ctx), id: 'backlog-table' });
      const outlets = [...new Set(rows.map((r) => r.outlet_id ?? ''))].filter((x) => x !== '').sort();
      const state = { outlet: '', state: '' };
      const apply = () => handle.setRows(rows.filter((r) => (state.outlet === '' || r.outlet_id === state.outlet) && (state.state === '' || r.state === state.state)));
      body.append(
        h(
          'div',
          { class: 'toolbar' },
          selectField(ctx.t('backlog.filter_state'), [
            { value: '', label: ctx.t('common.all') },
            { value: 'open', label: ctx.t('backlog.open') },
            { value: 'overdue', label: ctx.t('backlog.overdue') },
          ], '', (v) => {
            state.state = v;
            apply();
          }, 'filter-state'),
          selectField(ctx.t('col.outlet'), [{ value: '', label: ctx.t('common.all') }, ...outlets.map((o) => ({ value: o, label: o }))], '', (v) => {
            state.outlet = v;
            apply();
          }, 'filter-outlet'),
        ),
        handle.element,
      );
    }, { id: 'rows' });

    await Promise.all([outletSection, rowsSection]);
  },
});
