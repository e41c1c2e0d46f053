/// <reference lib="dom" />
// What every page shares: the header (tabs, month picker, language toggle), the footer, reading
// the manifest, and turning a failed file into a message in the page instead of an error.
import type { Result } from 'vega-embed';
import { accountLabel, accountText } from './account-strings.ts';
import { renderChart, type ChartRequest } from './charts.ts';
import { monthLabel } from './closes.ts';
import { DataError, DataStore, runUrl, SIGN_IN_URL, type Access, type Manifest } from './data.ts';
import { clear, h, message, uniqueId, type Child } from './dom.ts';
import { initialLang, rememberLang } from './i18n.ts';
import type { CloseRow } from './rows.ts';
import { translate, type Lang, type StringKey } from './strings.ts';

export type PageId = 'overview' | 'technicians' | 'outlets' | 'penalties' | 'settlement' | 'quality' | 'backlog' | 'audit';

export const PAGES: { id: PageId; href: string; key: StringKey }[] = [
  { id: 'overview', href: 'index.html', key: 'nav.overview' },
  { id: 'technicians', href: 'technicians.html', key: 'nav.technicians' },
  { id: 'outlets', href: 'outlets.html', key: 'nav.outlets' },
  { id: 'penalties', href: 'penalties.html', key: 'nav.penalties' },
  { id: 'settlement', href: 'settlement.html', key: 'nav.settlement' },
  { id: 'quality', href: 'quality.html', key: 'nav.quality' },
  { id: 'backlog', href: 'backlog.html', key: 'nav.backlog' },
  { id: 'audit', href: 'audit.html', key: 'nav.audit' },
];

export interface PageContext {
  lang: Lang;
  manifest: Manifest;
  /** the selected month, `YYYY-MM` ('' when no month was published) */
  month: string;
  /** the closed months (closes.json), by month; empty when none is closed */
  closes: CloseRow[];
  store: DataStore;
  t(key: StringKey, vars?: Record<string, string | number>): string;
  /** a file of the current run, by its path inside the run folder */
  json<T>(path: string): Promise<T>;
  url(path: string): string;
  /** a link to another page for the same month */
  pageHref(page: PageId, hash?: string): string;
  /** renders a chart into a new figure appended to parent; a failure becomes a message there */
  chart(parent: HTMLElement, request: ChartRequest & { className?: string }): Promise<Result | null>;
  /** a titled section appended to parent; an error while building it becomes a message inside it */
  section(parent: HTMLElement, title: string, build: (body: HTMLElement, section: HTMLElement) => Promise<void> | void, options?: { id?: string; className?: string; level?: 2 | 3; intro?: Child }): Promise<HTMLElement>;
  errorMessage(error: unknown): HTMLElement;
  /** runs when the page is drawn again (month or language change) */
  onCleanup(fn: () => void): void;
  listen(target: EventTarget, type: string, handler: (event: Event) => void): void;
}

export interface PageDefinition {
  id: PageId;
  titleKey: StringKey;
  /** whether the page shows one month (the month picker applies) */
  monthly: boolean;
  render(ctx: PageContext, main: HTMLElement): Promise<void>;
}

export function errorText(lang: Lang, error: unknown): string {
  if (error instanceof DataError) {
    if (error.status !== null) return translate(lang, 'state.missing_file', { file: error.file, status: `HTTP ${error.status}` });
    return translate(lang, 'state.bad_file', { file: error.file, detail: error.detail });
  }
  return translate(lang, 'state.chart_failed', { detail: error instanceof Error ? error.message : String(error) });
}

function monthFromUrl(): string | null {
  return new URLSearchParams(window.location.search).get('month');
}

export function startPage(definition: PageDefinition): void {
  void boot(definition);
}

/** Nobody is signed in (any more): to the sign-in page, which brings the reader back here. */
function toSignIn(): void {
  const here = `${window.location.pathname}${window.location.search}${window.location.hash}`;
  window.location.assign(`${SIGN_IN_URL}?next=${encodeURIComponent(here)}`);
}

const signedOut = (error: unknown) => error instanceof DataError && error.status === 401;

/** The manifest with the account's access, or why it could not be read. */
async function loadPublished(store: DataStore): Promise<{ manifest: Manifest | null; access: Access | null; loadError: unknown }> {
  let manifest: Manifest | null = null;
  let access: Access | null = null;
  let loadError: unknown = null;
  try {
    // the account decides which files stand for the network-wide ones (data.ts, scopedPath)
    const [published, account] = await Promise.all([store.manifest(), store.access()]);
    access = account;
    manifest = published && { ...published, access };
  } catch (e) {
    loadError = e;
  }
  return { manifest, access, loadError };
}

/** The month the URL asks for when it was published, else the latest; `monthNotice` when the one asked for was not. */
function initialMonth(manifest: Manifest | null): { month: string; monthNotice: boolean } {
  if (!manifest) return { month: '', monthNotice: false };
  const requested = monthFromUrl();
  if (requested && manifest.months.includes(requested)) return { month: requested, monthNotice: false };
  return { month: manifest.latest_month ?? manifest.months.at(-1) ?? '', monthNotice: requested !== null && requested !== '' };
}

/** What a page keeps between draws: the language, the month, the last draw's cleanups and its number. */
interface View {
  lang: Lang;
  month: string;
  monthNotice: boolean;
  cleanups: (() => void)[];
  generation: number;
}

function runCleanups(view: View): void {
  for (const fn of view.cleanups.splice(0)) {
    try {
      fn();
    } catch {
      // a view that is already gone
    }
  }
}

/** The header's month picker and language toggle: each changes the view and draws the page again. */
function headerHandlers(view: View, draw: () => Promise<void>): { onMonth: (month: string) => void; onLang: () => void } {
  return {
    onMonth: (value) => {
      view.month = value;
      view.monthNotice = false;
      const url = new URL(window.location.href);
      url.searchParams.set('month', value);
      window.history.replaceState(null, '', url);
      void draw();
    },
    onLang: () => {
      view.lang = view.lang === 'zh' ? 'en' : 'zh';
      rememberLang(view.lang);
      void draw().then(() => document.getElementById('lang-toggle')?.focus());
    },
  };
}

async function boot(definition: PageDefinition): Promise<void> {
  const app = document.getElementById('app') ?? document.body;
  const store = new DataStore();
  const lang = initialLang();
  const { manifest, access, loadError } = await loadPublished(store);
  if (signedOut(loadError) || (loadError === null && access === null)) return toSignIn();
  const closes = manifest ? await readCloses(store, manifest) : [];
  const view: View = { lang, ...initialMonth(manifest), cleanups: [], generation: 0 };

  const draw = async (): Promise<void> => {
    view.generation += 1;
    const mine = view.generation;
    document.body.dataset.ready = 'false';
    runCleanups(view);
    const t = (key: StringKey, vars?: Record<string, string | number>) => translate(view.lang, key, vars);
    document.documentElement.lang = view.lang === 'zh' ? 'zh-CN' : 'en';
    document.title = `${t(definition.titleKey)} · ${t('app.title')}`;

    const main = h('main', { id: 'main', class: `page page-${definition.id}`, tabindex: '-1' });
    clear(app);
    app.append(
      h('a', { class: 'skip-link', href: '#main' }, t(definition.titleKey)),
      header(definition, view.lang, manifest, access, view.month, closes, headerHandlers(view, draw)),
      main,
      footer(view.lang, manifest),
    );

    if (!manifest) {
      main.append(h('h1', null, t(definition.titleKey)), loadError ? message('error', errorText(view.lang, loadError)) : message('warning', t('state.no_manifest')));
      document.body.dataset.ready = 'true';
      return;
    }
    if (view.monthNotice) main.append(message('warning', t('state.unknown_month', { month: monthFromUrl() ?? '' })));

    const ctx = context(view.lang, manifest, view.month, closes, store, (fn) => view.cleanups.push(fn));
    try {
      await definition.render(ctx, main);
    } catch (e) {
      main.append(ctx.errorMessage(e));
    }
    if (mine === view.generation) document.body.dataset.ready = 'true';
  };

  await draw();
}

/** The closed months of the run: none when its folder has no closes.json (a run published before closes were). */
async function readCloses(store: DataStore, manifest: Manifest): Promise<CloseRow[]> {
  try {
    const rows = await store.json<CloseRow[]>(runUrl(manifest, 'closes.json'));
    return Array.isArray(rows) ? rows : [];
  } catch {
    return [];
  }
}

function context(lang: Lang, manifest: Manifest, month: string, closes: CloseRow[], store: DataStore, onCleanup: (fn: () => void) => void): PageContext {
  const t = (key: StringKey, vars?: Record<string, string | number>) => translate(lang, key, vars);
  const errorMessage = (error: unknown) => {
    if (signedOut(error)) toSignIn();
    if (!(error instanceof DataError)) console.warn(error);
    return message('error', errorText(lang, error));
  };
  const ctx: PageContext = {
    lang,
    manifest,
    month,
    closes,
    store,
    t,
    json: <T>(path: string) => store.json<T>(runUrl(manifest, path)),
    url: (path) => runUrl(manifest, path),
    pageHref: (page, hash) => pageHref(page, month, hash),
    errorMessage,
    onCleanup,
    listen(target, type, handler) {
      target.addEventListener(type, handler);
      onCleanup(() => target.removeEventListener(type, handler));
    },
    async chart(parent, request) {
      const holder = h('div', { class: 'chart' });
      const figure = h('figure', { class: ['chart-card', request.className ?? ''].join(' ').trim(), 'data-chart': request.name }, h('figcaption', null, request.title), holder);
      parent.append(figure);
      try {
        const result = await renderChart(holder, request, { lang, manifest, store });
        onCleanup(() => result.finalize());
        return result;
      } catch (e) {
        holder.replaceWith(errorMessage(e));
        return null;
      }
    },
    async section(parent, title, build, options = {}) {
      const headingId = uniqueId('heading');
      const heading = h(options.level === 3 ? 'h3' : 'h2', { id: headingId }, title);
      const body = h('div', { class: 'section-body' });
      const section = h('section', { class: ['panel', options.className ?? ''].join(' ').trim(), id: options.id, 'aria-labelledby': headingId }, heading, options.intro ?? null, body);
      parent.append(section);
      try {
        await build(body, section);
      } catch (e) {
        body.append(errorMessage(e));
      }
      return section;
    },
  };
  return ctx;
}

export function pageHref(page: PageId, month: string, hash?: string): string {
  const target = PAGES.find((p) => p.id === page)!;
  const query = month ? `?month=${encodeURIComponent(month)}` : '';
  return `${target.href}${query}${hash ? `#${hash}` : ''}`;
}

function header(
  definition: PageDefinition,
  lang: Lang,
  manifest: Manifest | null,
  access: Access | null,
  month: string,
  closes: CloseRow[],
  handlers: { onMonth: (month: string) => void; onLang: () => void },
): HTMLElement {
  const t = (key: StringKey) => translate(lang, key);
  const nav = h(
    'nav',
    { class: 'tabs', 'aria-label': t('nav.label') },
    h(
      'ul',
      null,
      PAGES.filter((page) => access === null || access.pages.includes(page.id)).map((page) =>
        h('li', null, h('a', { href: pageHref(page.id, month), class: page.id === definition.id ? 'active' : undefined, 'aria-current': page.id === definition.id ? 'page' : undefined }, t(page.key))),
      ),
    ),
  );

  const months = manifest?.months ?? [];
  const select = h(
    'select',
    {
      id: 'month-picker',
      disabled: months.length === 0 || !definition.monthly,
      title: definition.monthly ? undefined : t('header.month_not_used'),
      onchange: (e: Event) => handlers.onMonth((e.target as HTMLSelectElement).value),
    },
    [...months].reverse().map((m) => h('option', { value: m, selected: m === month, 'data-closed': closes.some((c) => c.month === m) ? 'true' : undefined }, monthLabel(lang, closes, m))),
  );
  const picker = h('label', { class: 'field month-field', for: 'month-picker' }, h('span', { class: 'field-label' }, t('header.month')), select);
  const toggle = h(
    'button',
    { type: 'button', id: 'lang-toggle', class: 'lang-toggle', lang: lang === 'zh' ? 'en' : 'zh-CN', 'aria-label': t('header.lang_toggle_label'), onclick: () => handlers.onLang() },
    t('header.lang_toggle'),
  );
  return h(
    'header',
    { class: 'site-header' },
    h('div', { class: 'brand' }, h('span', { class: 'brand-title' }, t('app.title')), h('span', { class: 'brand-subtitle' }, t('app.subtitle'))),
    h('div', { class: 'controls' }, picker, toggle, access ? accountControl(lang, access) : null),
    nav,
  );
}

/** Who is signed in, and signing out (a plain form post: the server answers with the sign-in page). */
function accountControl(lang: Lang, access: Access): HTMLElement {
  return h(
    'form',
    { class: 'field account', method: 'post', action: 'auth/sign-out' },
    h('span', { class: 'field-label', id: 'account-name', title: accountText(lang, 'account.label') }, accountLabel(lang, access)),
    h('button', { type: 'submit', class: 'lang-toggle', id: 'sign-out' }, accountText(lang, 'account.sign_out')),
  );
}

function footer(lang: Lang, manifest: Manifest | null): HTMLElement {
  return h(
    'footer',
    { class: 'site-footer' },
    manifest ? translate(lang, 'footer.published', { time: manifest.published_at ?? '', run: manifest.run_id ?? '' }) : '',
  );
}
