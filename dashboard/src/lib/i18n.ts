/// <reference lib="dom" />
// The language of the pages: the reader's choice when they made one, else the browser's language.
import type { Lang } from './strings.ts';

export const LANG_STORAGE_KEY = 'service-quality.lang';

export function langOf(browserLanguage: string | undefined | null): Lang {
  return browserLanguage && /^zh\b/i.test(browserLanguage) ? 'zh' : 'en';
}

export function initialLang(): Lang {
  const stored = readStored();
  if (stored) return stored;
  return langOf(navigator.language);
}

export function rememberLang(lang: Lang): void {
  try {
    localStorage.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // storage may be disabled: the choice then lasts for this page only
  }
}

function readStored(): Lang | null {
  try {
    const value = localStorage.getItem(LANG_STORAGE_KEY);
    return value === 'zh' || value === 'en' ? value : null;
  } catch {
    return null;
  }
}
