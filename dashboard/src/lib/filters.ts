/// <reference lib="dom" />
// The filter drop-downs above the tables: a labelled <select> whose first choice, "all", is ''.
import { selectField } from './dom.ts';
import type { PageContext } from './shell.ts';

export interface Choice {
  value: string;
  label: string;
}

/** A filter field: "all" (the empty value), then the choices. */
export function filterField(ctx: PageContext, label: string, choices: Choice[], value: string, onChange: (value: string) => void, id: string): HTMLElement {
  return selectField(label, [{ value: '', label: ctx.t('common.all') }, ...choices], value, onChange, id);
}
