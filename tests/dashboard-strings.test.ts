// The dictionary: every label in both languages, placeholders the same in both.
import { describe, expect, it } from 'vitest';
import { STRINGS, isStringKey, translate, translateCode, type StringKey } from '../dashboard/src/lib/strings.ts';
import { langOf } from '../dashboard/src/lib/i18n.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the dictionary', () => {
  it('has the same keys, non-empty, in Chinese and English', () => {
    expect(Object.keys(STRINGS.en).sort()).toEqual(Object.keys(STRINGS.zh).sort());
    for (const lang of ['zh', 'en'] as const) {
      for (const [key, text] of Object.entries(STRINGS[lang])) expect(text.trim(), `${lang} ${key}`).not.toBe('');
    }
  });

  it('uses the same placeholders in both languages', () => {
    for (const key of Object.keys(STRINGS.zh) as StringKey[]) {
      expect(placeholders(STRINGS.en[key]), key).toEqual(placeholders(STRINGS.zh[key]));
    }
  });

  it('fills placeholders and labels codes from the data', () => {
    expect(translate('zh', 'tech.history', { name: '赵浩 (T0009)' })).toBe('赵浩 (T0009) 近 12 个月');
    expect(translate('en', 'nav.overview')).toBe('Overview');
    expect(translateCode('zh', 'tier', 'repair_shop')).toBe('专修部');
    expect(translateCode('en', 'reason', 'duplicate_key')).toBe('Key repeated in the file');
    // a code without a label is shown as it is
    expect(translateCode('en', 'reason', 'some_new_reason')).toBe('some_new_reason');
    expect(translateCode('en', 'tier', null)).toBe('—');
    expect(isStringKey('nav.overview')).toBe(true);
    expect(isStringKey('toString')).toBe(false);
  });

  it('picks Chinese for any zh browser language, English otherwise', () => {
    expect(langOf('zh-CN')).toBe('zh');
    expect(langOf('zh-TW')).toBe('zh');
    expect(langOf('zh')).toBe('zh');
    expect(langOf('en-US')).toBe('en');
    expect(langOf('de')).toBe('en');
    expect(langOf(undefined)).toBe('en');
  });
});
