/// <reference lib="dom" />
// Charts: a Vega-Lite spec file from specs/, prepared for the current view and rendered as SVG with
// the expression interpreter (no code generated at run time, as the page's security policy wants).
import embed, { vega, type Result } from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import { DataError, fillPath, runUrl, type DataStore, type Manifest } from './data.ts';
import { localizeSpec, resolveDataUrls, setParams, dataUrls, type Json, type SpecObject } from './spec.ts';
import type { Lang } from './strings.ts';

export const FONT_STACK = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';

export const CHART_CONFIG = {
  font: FONT_STACK,
  background: 'transparent',
  view: { stroke: null },
  // labels that would overlap are dropped and long ones cut with an ellipsis, on any axis a spec leaves open
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, titleColor: '#3d4450', labelColor: '#525a66', gridColor: '#e8eaee', domainColor: '#9aa1ab', tickColor: '#9aa1ab', labelOverlap: true, labelLimit: 180 },
  legend: { orient: 'bottom', labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, symbolType: 'square' },
  line: { strokeWidth: 2 },
  point: { size: 36 },
  range: { category: ['#2f6fdb', '#2e9d5b', '#e0a31a', '#d2493b', '#7a5bc9', '#1a9aa8'] },
};

export interface ChartRequest {
  /** spec file name without `.vl.json` */
  name: string;
  /** the chart's accessible name (the figure caption) */
  title: string;
  /** values of `{name}` placeholders in data URLs, e.g. month, technician_id */
  vars?: Record<string, string>;
  /** initial values of the spec's params */
  params?: Record<string, Json>;
}

export interface ChartEnv {
  lang: Lang;
  manifest: Manifest;
  store: DataStore;
}

/** A vega loader that reads through the page's data store, so a file is fetched once per page. */
function storeLoader(store: DataStore) {
  const loader = vega.loader();
  loader.load = (uri: string) => store.text(uri);
  return loader;
}

export async function loadSpec(store: DataStore, name: string): Promise<SpecObject> {
  const url = `specs/${name}.vl.json`;
  const text = await store.text(url);
  try {
    return JSON.parse(text) as SpecObject;
  } catch (e) {
    throw new DataError(url, null, (e as Error).message);
  }
}

/** The spec as it will be embedded: labels translated, data URLs of the current run, params set. */
export async function prepareSpec(request: ChartRequest, env: ChartEnv): Promise<SpecObject> {
  const spec = localizeSpec(await loadSpec(env.store, request.name), env.lang);
  resolveDataUrls(spec, (url) => runUrl(env.manifest, fillPath(url, request.vars ?? {})));
  if (request.params) setParams(spec, request.params);
  spec.description = request.title;
  return spec;
}

/**
 * Renders a chart into the element. Its data files are fetched first, so that a missing file
 * rejects with a DataError (shown by the caller) instead of an empty chart.
 */
export async function renderChart(el: HTMLElement, request: ChartRequest, env: ChartEnv): Promise<Result> {
  const spec = await prepareSpec(request, env);
  await Promise.all(dataUrls(spec).map((url) => env.store.text(url)));
  return embed(el, spec as never, {
    renderer: 'svg',
    actions: false,
    defaultStyle: false,
    ast: true,
    expr: expressionInterpreter,
    loader: storeLoader(env.store),
    config: CHART_CONFIG as never,
    tooltip: { disableDefaultStyle: true, theme: 'light' },
    logLevel: vega.Error,
  });
}
