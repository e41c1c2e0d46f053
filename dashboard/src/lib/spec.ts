// Preparing a chart spec file for one page view: titles and legend labels in the current language,
// the data URLs of the current run, the parameters of the current month. The spec file stays the
// source of the encoding; this only fills in what depends on the view.
import { isStringKey, translate, type Lang } from './strings.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type SpecObject = { [key: string]: Json };

/** A string in a spec that is replaced by a label: the whole string is `$t:` + a dictionary key. */
export const LABEL_PREFIX = '$t:';

function map(value: Json, fn: (text: string) => Json): Json {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((item) => map(item, fn));
  if (value !== null && typeof value === 'object') {
    const out: SpecObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = map(item, fn);
    return out;
  }
  return value;
}

/** Every label key a spec refers to. */
export function labelKeys(spec: Json): string[] {
  const keys: string[] = [];
  map(spec, (text) => {
    if (text.startsWith(LABEL_PREFIX)) keys.push(text.slice(LABEL_PREFIX.length));
    return text;
  });
  return keys;
}

/** A copy of the spec with every `$t:key` string replaced by its label in the language. */
export function localizeSpec(spec: SpecObject, lang: Lang): SpecObject {
  return map(spec, (text) => {
    if (!text.startsWith(LABEL_PREFIX)) return text;
    const key = text.slice(LABEL_PREFIX.length);
    return isStringKey(key) ? translate(lang, key) : key;
  }) as SpecObject;
}

/** Every `data.url` of the spec (top level, layers, lookups), in order. */
export function dataUrls(spec: Json): string[] {
  const urls: string[] = [];
  walkData(spec, (data) => {
    if (typeof data.url === 'string') urls.push(data.url);
  });
  return urls;
}

function walkData(value: Json, visit: (data: SpecObject) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walkData(item, visit);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value)) {
    if (key === 'data' && item !== null && typeof item === 'object' && !Array.isArray(item)) visit(item);
    walkData(item, visit);
  }
}

/** Replaces every `data.url` by `resolve(url)` (in place). */
export function resolveDataUrls(spec: SpecObject, resolve: (url: string) => string): SpecObject {
  walkData(spec, (data) => {
    if (typeof data.url === 'string') data.url = resolve(data.url);
  });
  return spec;
}

/** Sets the initial value of top-level params by name (in place); unknown names are an error. */
export function setParams(spec: SpecObject, values: Record<string, Json>): SpecObject {
  const params = Array.isArray(spec.params) ? spec.params : [];
  for (const [name, value] of Object.entries(values)) {
    const param = params.find((p): p is SpecObject => p !== null && typeof p === 'object' && !Array.isArray(p) && p.name === name);
    if (!param) throw new Error(`the chart has no parameter ${name}`);
    param.value = value;
  }
  return spec;
}

export function paramNames(spec: SpecObject): string[] {
  const params = Array.isArray(spec.params) ? spec.params : [];
  return params.flatMap((p) => (p !== null && typeof p === 'object' && !Array.isArray(p) && typeof p.name === 'string' ? [p.name] : []));
}
