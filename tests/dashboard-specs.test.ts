// The chart spec files: each described, labelled from the dictionary, compiling with Vega-Lite in
// both languages, reading run files by URL; and the preparation a page applies before embedding.
import { describe, expect, it } from 'vitest';
import { checkSpec, readSpecs } from '../dashboard/build.ts';
import { dataUrls, labelKeys, localizeSpec, paramNames, resolveDataUrls, setParams, type SpecObject } from '../dashboard/src/lib/spec.ts';

const specs = readSpecs();

describe('the chart specs', () => {
  it('are there', () => {
    expect(specs.map((s) => s.name)).toEqual([
      'backlog-by-outlet.vl.json',
      'network-complaints.vl.json',
      'network-coverage.vl.json',
      'network-followups.vl.json',
      'network-on-time.vl.json',
      'network-repeats.vl.json',
      'network-satisfaction.vl.json',
      'outlet-composite.vl.json',
      'outlet-history.vl.json',
      'outlet-rank-history.vl.json',
      'settlement-outlet.vl.json',
      'technician-complaint-ranking.vl.json',
      'technician-history.vl.json',
    ]);
  });

  for (const { name, spec } of specs) {
    it(`${name}: described, labelled, compiles in both languages, reads one run file`, () => {
      expect(checkSpec(name, spec)).toEqual([]);
      expect(labelKeys(spec).length).toBeGreaterThan(0);
      const urls = dataUrls(spec);
      expect(urls).toHaveLength(1);
      // a run file, or one outlet's file (by_outlet/{outlet}/…)
      expect(urls[0]).toMatch(/^(by_outlet\/\{[a-z_]+\}\/)?[a-z_]+(\/\{[a-z_]+\})?\.json$/);
      for (const lang of ['zh', 'en'] as const) expect(JSON.stringify(localizeSpec(spec, lang))).not.toContain('$t:');
    });
  }
});

describe('preparing a spec', () => {
  const spec: SpecObject = {
    params: [{ name: 'end_month', value: '9999-12' }],
    data: { url: 'technicians/{month}.json' },
    transform: [{ lookup: 'k', from: { data: { values: [{ k: 'a', label: '$t:kpi.satisfied' }] }, key: 'k', fields: ['label'] } }],
    encoding: { x: { field: 'month', title: '$t:common.month' }, color: { scale: { domain: ['$t:kpi.satisfied', '$t:kpi.neutral'] } } },
  };

  it('translates every label and leaves other strings alone', () => {
    const zh = localizeSpec(spec, 'zh') as { encoding: { x: { title: string; field: string }; color: { scale: { domain: string[] } } } };
    expect(zh.encoding.x).toEqual({ field: 'month', title: '月份' });
    expect(zh.encoding.color.scale.domain).toEqual(['满意', '一般']);
    expect(JSON.stringify(localizeSpec(spec, 'en'))).toContain('"label":"Satisfied"');
    // the file's spec is not changed
    expect((spec.encoding as { x: { title: string } }).x.title).toBe('$t:common.month');
  });

  it('points the data at the current run and sets params by name', () => {
    const copy = localizeSpec(spec, 'en');
    resolveDataUrls(copy, (url) => `data/runs/r/${url.replace('{month}', '2026-10')}`);
    expect(dataUrls(copy)).toEqual(['data/runs/r/technicians/2026-10.json']);
    setParams(copy, { end_month: '2026-10' });
    expect(copy.params).toEqual([{ name: 'end_month', value: '2026-10' }]);
    expect(paramNames(copy)).toEqual(['end_month']);
    expect(() => setParams(copy, { nope: 1 })).toThrow(/nope/);
  });
});
