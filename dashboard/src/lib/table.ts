/// <reference lib="dom" />
// A semantic data table: column headers with scope, the row's key cell as a row header, sorting by
// clicking a header (announced with aria-sort), and long tables shown a page at a time.
import { append, h, type Child } from './dom.ts';
import { sortRows, type SortDirection, type SortValue } from './sort.ts';

export interface Column<R> {
  key: string;
  label: string;
  /** the value to sort by (and to show when there is no render) */
  value: (row: R) => SortValue;
  render?: (row: R) => Child;
  numeric?: boolean;
  /** this cell names the row: rendered as <th scope="row"> */
  rowHeader?: boolean;
  sortable?: boolean;
  className?: string;
}

export interface TableOptions<R> {
  columns: Column<R>[];
  rows: R[];
  caption?: string;
  sort?: { key: string; direction: SortDirection } | null;
  pageSize?: number;
  rowClass?: (row: R) => string | undefined;
  /** cells of a total row, aligned with the columns (null = empty cell) */
  footer?: (rows: R[]) => (Child | null)[];
  labels: { showMore: string; rowsShown: (shown: number, total: number) => string; empty: string; sortHint?: string };
  className?: string;
  id?: string;
}

export interface TableHandle<R> {
  element: HTMLElement;
  setRows(rows: R[]): void;
}

const ARIA_SORT: Record<SortDirection, 'ascending' | 'descending'> = { asc: 'ascending', desc: 'descending' };

export function dataTable<R>(options: TableOptions<R>): TableHandle<R> {
  const { columns, labels } = options;
  let rows = options.rows;
  let sort = options.sort ?? null;
  let limit = options.pageSize ?? Number.POSITIVE_INFINITY;

  const headCells = columns.map((column) => {
    const th = h('th', { scope: 'col', class: [column.numeric ? 'num' : '', column.className ?? ''].join(' ').trim() || undefined });
    if (column.sortable === false) {
      th.textContent = column.label;
    } else {
      const indicator = h('span', { class: 'sort-indicator', 'aria-hidden': 'true' });
      const button = h('button', { type: 'button', class: 'sort-button', title: labels.sortHint }, column.label, indicator);
      button.addEventListener('click', () => {
        const direction: SortDirection = sort?.key === column.key && sort.direction === 'asc' ? 'desc' : sort?.key === column.key ? 'asc' : column.numeric ? 'desc' : 'asc';
        sort = { key: column.key, direction };
        renderBody();
      });
      th.appendChild(button);
    }
    return th;
  });

  const tbody = h('tbody');
  const tfoot = h('tfoot');
  const table = h(
    'table',
    { class: ['data-table', options.className ?? ''].join(' ').trim(), id: options.id },
    options.caption ? h('caption', null, options.caption) : null,
    h('thead', null, h('tr', null, headCells)),
    tbody,
    tfoot,
  );
  const status = h('p', { class: 'table-status', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'show-more' }, labels.showMore);
  more.addEventListener('click', () => {
    limit += options.pageSize ?? Number.POSITIVE_INFINITY;
    renderBody();
  });
  const element = h('div', { class: 'table-block' }, h('div', { class: 'table-scroll' }, table), status, more);

  function renderBody(): void {
    columns.forEach((column, i) => {
      const th = headCells[i]!;
      const active = sort?.key === column.key;
      if (active && sort) th.setAttribute('aria-sort', ARIA_SORT[sort.direction]);
      else th.removeAttribute('aria-sort');
      const indicator = th.querySelector('.sort-indicator');
      if (indicator) indicator.textContent = active && sort ? (sort.direction === 'asc' ? '▲' : '▼') : '';
    });
    const column = sort ? columns.find((c) => c.key === sort!.key) : undefined;
    const ordered = column && sort ? sortRows(rows, column.value, sort.direction) : rows;
    const shown = ordered.slice(0, limit);
    const fragment = document.createDocumentFragment();
    for (const row of shown) {
      const tr = h('tr', { class: options.rowClass?.(row) });
      for (const c of columns) {
        const content = c.render ? c.render(row) : displayValue(c.value(row));
        const cell = h(c.rowHeader ? 'th' : 'td', { scope: c.rowHeader ? 'row' : undefined, class: [c.numeric ? 'num' : '', c.className ?? ''].join(' ').trim() || undefined });
        append(cell, [content]);
        tr.appendChild(cell);
      }
      fragment.appendChild(tr);
    }
    tbody.replaceChildren(fragment);
    if (rows.length === 0) {
      tbody.appendChild(h('tr', { class: 'empty-row' }, h('td', { colspan: columns.length }, labels.empty)));
    }
    tfoot.replaceChildren();
    if (options.footer && rows.length > 0) {
      const cells = options.footer(rows);
      const tr = h('tr');
      columns.forEach((c, i) => {
        const content = cells[i] ?? null;
        const cell = h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : undefined, class: c.numeric ? 'num' : undefined });
        append(cell, [content]);
        tr.appendChild(cell);
      });
      tfoot.appendChild(tr);
    }
    const truncated = shown.length < ordered.length;
    status.textContent = truncated ? labels.rowsShown(shown.length, ordered.length) : '';
    status.hidden = !truncated;
    more.hidden = !truncated;
  }

  renderBody();
  return {
    element,
    setRows(next: R[]) {
      rows = next;
      limit = options.pageSize ?? Number.POSITIVE_INFINITY;
      renderBody();
    },
  };
}

function displayValue(value: SortValue): string {
  if (value === null || value === undefined || value === '') return '—';
  return String(value);
}
