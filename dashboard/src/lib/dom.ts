/// <reference lib="dom" />
// A small element builder. Text always goes in as text (never parsed as HTML) and no element gets
// an inline style attribute: looks come from the stylesheet only.

export type Child = Node | string | number | null | undefined | false | Child[];
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = { [name: string]: AttrValue | ((event: Event) => void) };

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (typeof value === 'function') {
      el.addEventListener(name.replace(/^on/, ''), value);
    } else if (name === 'style') {
      throw new Error('inline styles are not allowed; use a class');
    } else if (value === true) {
      el.setAttribute(name, '');
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

let idCounter = 0;
export function uniqueId(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A message box: info, warning or error (errors are announced to screen readers). */
export function message(kind: 'info' | 'warning' | 'error', text: string): HTMLElement {
  return h('p', { class: `message message-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

export function badge(kind: string, text: string, title?: string): HTMLElement {
  return h('span', { class: `badge badge-${kind}`, title }, text);
}

/** A labelled <select>. */
export function selectField(label: string, options: { value: string; label: string }[], value: string, onChange: (value: string) => void, id?: string): HTMLElement {
  const selectId = id ?? uniqueId('select');
  const select = h(
    'select',
    { id: selectId, onchange: (e: Event) => onChange((e.target as HTMLSelectElement).value) },
    options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)),
  );
  return h('label', { class: 'field', for: selectId }, h('span', { class: 'field-label' }, label), select);
}

export function searchField(label: string, placeholder: string, value: string, onInput: (value: string) => void, id?: string): HTMLElement {
  const inputId = id ?? uniqueId('search');
  const input = h('input', { id: inputId, type: 'search', placeholder, value, autocomplete: 'off', oninput: (e: Event) => onInput((e.target as HTMLInputElement).value) });
  return h('label', { class: 'field', for: inputId }, h('span', { class: 'field-label' }, label), input);
}
