// Ordering of table rows: numbers as numbers, texts in natural order (T2 before T10), empty
// values always last whatever the direction.

export type SortValue = string | number | boolean | null | undefined;
export type SortDirection = 'asc' | 'desc';

const collator = new Intl.Collator(['zh-CN', 'en'], { numeric: true, sensitivity: 'base' });

function isEmpty(value: SortValue): boolean {
  return value === null || value === undefined || value === '' || (typeof value === 'number' && Number.isNaN(value));
}

export function compareValues(a: SortValue, b: SortValue, direction: SortDirection): number {
  const aEmpty = isEmpty(a);
  const bEmpty = isEmpty(b);
  if (aEmpty || bEmpty) return aEmpty === bEmpty ? 0 : aEmpty ? 1 : -1;
  let order: number;
  if (typeof a === 'number' && typeof b === 'number') order = a - b;
  else if (typeof a === 'boolean' && typeof b === 'boolean') order = Number(a) - Number(b);
  else order = collator.compare(String(a), String(b));
  return direction === 'asc' ? order : -order;
}

/** A sorted copy; equal rows keep their order. */
export function sortRows<R>(rows: readonly R[], value: (row: R) => SortValue, direction: SortDirection): R[] {
  return rows
    .map((row, index) => ({ row, index, key: value(row) }))
    .sort((x, y) => compareValues(x.key, y.key, direction) || x.index - y.index)
    .map((x) => x.row);
}
