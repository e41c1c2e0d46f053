// English labels say "1 month", "2 months": `{name:one|other}` in the dictionary picks the noun's
// form from the count, also when the count comes formatted ("1,234"); Chinese labels need none.
import { describe, expect, it } from 'vitest';
import { rankChange } from '../dashboard/src/lib/format.ts';
import { isOne, STRINGS, translate, type StringKey } from '../dashboard/src/lib/strings.ts';

describe('plurals in labels', () => {
  it('tells one from the other counts, formatted or not', () => {
    expect([1, '1', ' 1 '].map(isOne)).toEqual([true, true, true]);
    expect([0, 2, 1.5, '1,234', '11', '—', '', Number.NaN].map(isOne)).toEqual([false, false, false, false, false, false, false, false]);
  });

  it('picks the form in English labels', () => {
    expect(translate('en', 'common.rows_shown', { shown: 1, total: 1 })).toBe('Showing 1 of 1 row');
    expect(translate('en', 'common.rows_shown', { shown: 20, total: '1,234' })).toBe('Showing 20 of 1,234 rows');
    expect(translate('en', 'pen.summary', { count: 1, amount: '¥50', training: 0, dismissal: 0 })).toBe('1 technician, ¥50 in total; 0 flagged for training, 0 for dismissal review.');
    expect(translate('en', 'pen.summary', { count: 2, amount: '¥50', training: 1, dismissal: 0 })).toMatch(/^2 technicians,/);
    expect(translate('en', 'backlog.followup_summary', { as_of: '2026-10-31', due: 1, missed: 0 })).toBe('As of 2026-10-31: 1 call due, 0 missed.');
    expect(translate('en', 'backlog.summary', { as_of: 'x', total: 1, open: 1, overdue: 0 })).toContain('1 completed ticket without');
    expect(translate('en', 'kpi.repeats_of', { repeats: 1, total: 9 })).toBe('1 repeat, 9 completed');
    expect(translate('en', 'tech.unranked_note', { min: '—' })).toContain('Fewer than — completed tickets');
    expect(translate('en', 'pen.outlet_fines_note', { multiplier: 1 })).toContain('1 time the overcharge');
    expect(translate('en', 'overview.measures_note', { repeat_days: 30, week_days: 1, month_days: 30 })).toContain('within 1 day of the unsatisfied revisit');
    expect(rankChange('en', 3, 4).label).toBe('up 1 place');
    expect(rankChange('en', 3, 1).label).toBe('down 2 places');
    expect(rankChange('zh', 3, 1).label).toBe('下降 2 位');
  });

  it('leaves a placeholder without its value as it is, and no plural form in Chinese', () => {
    expect(translate('en', 'common.rows_shown', { shown: 1 })).toBe('Showing 1 of {total} {total:row|rows}');
    const plural = /\{\w+:[^|{}]*\|[^{}]*\}/;
    for (const key of Object.keys(STRINGS.zh) as StringKey[]) expect(STRINGS.zh[key], key).not.toMatch(plural);
  });
});
