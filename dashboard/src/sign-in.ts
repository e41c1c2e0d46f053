/// <reference lib="dom" />
// The sign-in page: the account's name and password, sent as JSON to auth/sign-in; on success the
// browser goes back to the page it was asked for (`?next=`, a path of this site only). The page
// works without this script too (the form posts, the server answers 303). Chinese or English as on
// every page, with the same toggle.
import { accountText, type AccountKey } from './lib/account-strings.ts';
import { SIGN_IN_URL } from './lib/data.ts';
import { clear, h, message } from './lib/dom.ts';
import { initialLang, rememberLang } from './lib/i18n.ts';
import { translate, type Lang } from './lib/strings.ts';

/** The page to open once signed in: `next` when it is a path of this site, else the overview. */
export function nextPath(search: string, origin: string): string {
  const raw = new URLSearchParams(search).get('next');
  if (raw === null || !raw.startsWith('/') || raw.startsWith('//') || /[\\\s]/.test(raw)) return '/';
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return '/';
  }
  if (url.origin !== origin || url.pathname.startsWith(`/${SIGN_IN_URL}`)) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The message for a refused sign-in, from the answer's status. */
function refusal(lang: Lang, response: Response): string {
  if (response.status === 401) return accountText(lang, 'signin.failed');
  if (response.status === 429) return accountText(lang, 'signin.too_many', { seconds: response.headers.get('retry-after') ?? '60' });
  return accountText(lang, 'signin.error', { status: `HTTP ${response.status}` });
}

async function submit(form: HTMLFormElement, lang: Lang, status: HTMLElement): Promise<void> {
  const button = form.querySelector('button')!;
  const data = new FormData(form);
  button.disabled = true;
  button.textContent = accountText(lang, 'signin.submitting');
  clear(status);
  let response: Response;
  try {
    response = await fetch('auth/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: String(data.get('name') ?? ''), password: String(data.get('password') ?? '') }),
      credentials: 'same-origin',
    });
  } catch (e) {
    response = new Response(null, { status: 503 });
    console.warn(e);
  }
  if (response.status === 204) {
    window.location.assign(nextPath(window.location.search, window.location.origin));
    return;
  }
  button.disabled = false;
  button.textContent = accountText(lang, 'signin.submit');
  status.append(message('error', refusal(lang, response)));
  (form.elements.namedItem('password') as HTMLInputElement).select();
}

function field(lang: Lang, key: AccountKey, input: HTMLInputElement): HTMLElement {
  return h('label', null, h('span', { class: 'field-label' }, accountText(lang, key)), input);
}

function render(app: HTMLElement, lang: Lang, typedName: string): void {
  const t = (key: AccountKey) => accountText(lang, key);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = `${t('signin.title')} · ${translate(lang, 'app.title')}`;
  const name = h('input', { id: 'sign-in-name', name: 'name', autocomplete: 'username', required: true, maxlength: 200, value: typedName });
  const password = h('input', { id: 'sign-in-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 });
  const status = h('div', { id: 'sign-in-status', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'panel sign-in-form', method: 'post', action: 'auth/sign-in', id: 'sign-in-form' },
    h('h1', null, t('signin.title')),
    h('p', { class: 'note' }, t('signin.intro')),
    field(lang, 'signin.name', name),
    field(lang, 'signin.password', password),
    status,
    h('button', { class: 'button button-primary', type: 'submit' }, t('signin.submit')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit(form, lang, status);
  });
  const toggle = h(
    'button',
    { type: 'button', id: 'lang-toggle', class: 'lang-toggle', lang: lang === 'zh' ? 'en' : 'zh-CN', 'aria-label': translate(lang, 'header.lang_toggle_label') },
    translate(lang, 'header.lang_toggle'),
  );
  toggle.addEventListener('click', () => {
    const other: Lang = lang === 'zh' ? 'en' : 'zh';
    rememberLang(other);
    render(app, other, name.value);
    document.getElementById('lang-toggle')?.focus();
  });
  const header = h(
    'header',
    { class: 'site-header sign-in-header' },
    h('div', { class: 'brand' }, h('span', { class: 'brand-title' }, translate(lang, 'app.title')), h('span', { class: 'brand-subtitle' }, translate(lang, 'app.subtitle'))),
    h('div', { class: 'controls' }, toggle),
  );
  clear(app);
  app.append(header, h('main', { id: 'main', class: 'page page-sign-in' }, form));
  (typedName ? password : name).focus();
  document.body.dataset.ready = 'true';
}

if (typeof document !== 'undefined') render(document.getElementById('app') ?? document.body, initialLang(), '');
