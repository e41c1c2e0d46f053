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
  const pageSize = options.pageSize ?? Number.POSITIVE_INFINITY;
  let rows = options.rows;
  let sort = options.sort ?? null;
  let limit = pageSize;

  const headCells = columns.map((column) =>
    headerCell(column, labels.sortHint, () => {
      sort = { key: column.key, direction: nextDirection(sort, column) };
      renderBody();
    }),
  );
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
    limit += pageSize;
    renderBody();
  });
  const element = h('div', { class: 'table-block' }, h('div', { class: 'table-scroll' }, table), status, more);

  // draws the rows as sorted and paged now: on start, a header click, "show more" and new rows
  function renderBody(): void {
    showSortState(columns, headCells, sort);
    const column = sort ? columns.find((c) => c.key === sort!.key) : undefined;
    const ordered = column && sort ? sortRows(rows, column.value, sort.direction) : rows;
    const shown = ordered.slice(0, limit);
    fillBody(tbody, columns, shown, options.rowClass);
    if (rows.length === 0) tbody.appendChild(h('tr', { class: 'empty-row' }, h('td', { colspan: columns.length }, labels.empty)));
    tfoot.replaceChildren();
    if (options.footer && rows.length > 0) tfoot.appendChild(footerRow(columns, options.footer(rows)));
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
      limit = pageSize;
      renderBody();
    },
  };
}

/** The class of a column's cells: `num` for numbers, then the column's own. */
function cellClass<R>(column: Column<R>): string | undefined {
  return [column.numeric ? 'num' : '', column.className ?? ''].join(' ').trim() || undefined;
}

/** A column header: a sort button, or the plain label when the column does not sort. */
function headerCell<R>(column: Column<R>, sortHint: string | undefined, onSort: () => void): HTMLTableCellElement {
  const th = h('th', { scope: 'col', class: cellClass(column) });
  if (column.sortable === false) {
    th.textContent = column.label;
  } else {
    const indicator = h('span', { class: 'sort-indicator', 'aria-hidden': 'true' });
    const button = h('button', { type: 'button', class: 'sort-button', title: sortHint }, column.label, indicator);
    button.addEventListener('click', onSort);
    th.appendChild(button);
  }
  return th;
}

/** A click on the sorted column turns it round; another column starts descending if numeric, else ascending. */
function nextDirection<R>(sort: { key: string; direction: SortDirection } | null, column: Column<R>): SortDirection {
  return sort?.key === column.key && sort.direction === 'asc' ? 'desc' : sort?.key === column.key ? 'asc' : column.numeric ? 'desc' : 'asc';
}

/** aria-sort and the arrow on the sorted column's header; the others cleared. */
function showSortState<R>(columns: Column<R>[], headCells: HTMLTableCellElement[], sort: { key: string; direction: SortDirection } | null): void {
  columns.forEach((column, i) => {
    const th = headCells[i]!;
    const active = sort?.key === column.key;
    if (active && sort) th.setAttribute('aria-sort', ARIA_SORT[sort.direction]);
    else th.removeAttribute('aria-sort');
    const indicator = th.querySelector('.sort-indicator');
    if (indicator) indicator.textContent = active && sort ? (sort.direction === 'asc' ? '▲' : '▼') : '';
  });
}

/** Replaces the body's rows with the rows shown, the row-header column as <th scope="row">. */
function fillBody<R>(tbody: HTMLElement, columns: Column<R>[], shown: R[], rowClass: ((row: R) => string | undefined) | undefined): void {
  const fragment = document.createDocumentFragment();
  for (const row of shown) {
    const tr = h('tr', { class: rowClass?.(row) });
    for (const c of columns) {
      const content = c.render ? c.render(row) : displayValue(c.value(row));
      const cell = h(c.rowHeader ? 'th' : 'td', { scope: c.rowHeader ? 'row' : undefined, class: cellClass(c) });
      append(cell, [content]);
      tr.appendChild(cell);
    }
    fragment.appendChild(tr);
  }
  tbody.replaceChildren(fragment);
}

/** The total row: its first cell a row header, numbers aligned as in their column. */
function footerRow<R>(columns: Column<R>[], cells: (Child | null)[]): HTMLTableRowElement {
  const tr = h('tr');
  columns.forEach((c, i) => {
    const content = cells[i] ?? null;
    const cell = h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : undefined, class: c.numeric ? 'num' : undefined });
    append(cell, [content]);
    tr.appendChild(cell);
  });
  return tr;
}

function displayValue(value: SortValue): string {
  if (value === null || value === undefined || value === '') return '—';
  return String(value);
}
