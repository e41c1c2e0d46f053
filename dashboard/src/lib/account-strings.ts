// The labels of signing in and of the signed-in account, in Chinese and English (the English table
// is typed against the Chinese one, as in strings.ts, so that a key missing in either fails to compile).
import type { Lang } from './strings.ts';

const zh = {
  'signin.title': '登录',
  'signin.intro': '请使用管理员为您开设的账号登录。',
  'signin.name': '账号',
  'signin.password': '密码',
  'signin.submit': '登录',
  'signin.submitting': '正在登录…',
  'signin.failed': '账号或密码不正确。',
  'signin.too_many': '尝试次数过多，请 {seconds} 秒后再试。',
  'signin.error': '暂时无法登录（{status}），请稍后再试。',
  'account.label': '当前账号',
  'account.sign_out': '退出登录',
  'role.hr': '人事',
  'role.manager': '管理',
  'role.outlet': '网点 {outlet}',
};

export type AccountKey = keyof typeof zh;

const en: Record<AccountKey, string> = {
  'signin.title': 'Sign in',
  'signin.intro': 'Sign in with the account your administrator gave you.',
  'signin.name': 'Account',
  'signin.password': 'Password',
  'signin.submit': 'Sign in',
  'signin.submitting': 'Signing in…',
  'signin.failed': 'The account or the password is not right.',
  'signin.too_many': 'Too many attempts: try again in {seconds} s.',
  'signin.error': 'Signing in is not possible right now ({status}); try again later.',
  'account.label': 'Signed in as',
  'account.sign_out': 'Sign out',
  'role.hr': 'HR',
  'role.manager': 'Manager',
  'role.outlet': 'Outlet {outlet}',
};

const TABLES: Record<Lang, Record<AccountKey, string>> = { zh, en };

export function accountText(lang: Lang, key: AccountKey, vars: Record<string, string | number> = {}): string {
  return TABLES[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (vars[name] === undefined ? whole : String(vars[name])));
}

/** The account as the header shows it: name and role (and the outlet of an outlet's account). */
export function accountLabel(lang: Lang, account: { name: string; role: 'hr' | 'manager' | 'outlet'; outlet_id: string | null }): string {
  const role = accountText(lang, `role.${account.role}`, { outlet: account.outlet_id ?? '' });
  return `${account.name} · ${role}`;
}
