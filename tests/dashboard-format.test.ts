// Number, money, rank-change and time formats of the dashboard, in both languages.
import { describe, expect, it } from 'vitest';
import { deltaCount, deltaPoints, integer, naiveTime, percent, previousMonth, rankChange, score, yuan } from '../dashboard/src/lib/format.ts';

describe('numbers', () => {
  it('shows fractions as percentages with one decimal', () => {
    expect(percent('zh', 0.8896473265)).toBe('89.0%');
    expect(percent('en', 0.8896473265)).toBe('89.0%');
    expect(percent('en', 1)).toBe('100.0%');
    expect(percent('en', 0.006825, 2)).toBe('0.68%');
    expect(percent('zh', null)).toBe('—');
    expect(percent('zh', undefined)).toBe('—');
  });

  it('shows yuan with the ¥ sign and thousands separators, fen only when there are any', () => {
    expect(yuan('zh', 1234)).toBe('¥1,234');
    expect(yuan('en', 1234)).toBe('¥1,234');
    expect(yuan('zh', 355.5)).toBe('¥355.5');
    expect(yuan('en', 0)).toBe('¥0');
    expect(yuan('en', null)).toBe('—');
  });

  it('shows counts and scores', () => {
    expect(integer('zh', 12345)).toBe('12,345');
    expect(score('en', 0.91139)).toBe('0.911');
  });
});

describe('changes', () => {
  it('gives the change of a rate in percentage points', () => {
    expect(deltaPoints('zh', 0.897, 0.887)).toEqual({ direction: 'up', text: '▲ 1.0 个百分点' });
    expect(deltaPoints('en', 0.859, 0.866)).toEqual({ direction: 'down', text: '▼ 0.7 pp' });
    expect(deltaPoints('en', 0.5, 0.5)).toEqual({ direction: 'same', text: '– 0.0 pp' });
    // a change that rounds to nothing is no change
    expect(deltaPoints('en', 0.50001, 0.5)?.direction).toBe('same');
    expect(deltaPoints('en', 0.5, null)).toBeNull();
  });

  it('gives the change of a count with the relative change', () => {
    expect(deltaCount('en', 18, 12)).toEqual({ direction: 'up', text: '▲ 6 (50.0%)' });
    expect(deltaCount('en', 1344, 1912)).toEqual({ direction: 'down', text: '▼ 568 (29.7%)' });
    expect(deltaCount('en', 3, 0)).toEqual({ direction: 'up', text: '▲ 3' });
    expect(deltaCount('en', 3, 3)).toEqual({ direction: 'same', text: '– 0' });
  });

  it('marks rank moves: positive change = moved up, no previous rank = new', () => {
    expect(rankChange('en', 3, 5, 2)).toMatchObject({ kind: 'up', symbol: '▲ 2' });
    expect(rankChange('en', 8, 2, -6)).toMatchObject({ kind: 'down', symbol: '▼ 6' });
    expect(rankChange('en', 1, 1, 0)).toMatchObject({ kind: 'same', symbol: '–' });
    expect(rankChange('zh', 4, null, null)).toMatchObject({ kind: 'new', symbol: '新' });
    expect(rankChange('en', null, 3, null)).toMatchObject({ kind: 'none', symbol: '' });
    // without the published change, it comes from the two ranks
    expect(rankChange('en', 2, 4)).toMatchObject({ kind: 'up', symbol: '▲ 2' });
  });
});

describe('times', () => {
  it('keeps naive local times as written, never shifting them', () => {
    expect(naiveTime('2026-03-05 14:07:00')).toBe('2026-03-05 14:07:00');
    expect(naiveTime('2026-03-05T14:07:00')).toBe('2026-03-05 14:07:00');
    expect(naiveTime('2026-11-22 21:30:20.84242')).toBe('2026-11-22 21:30:20');
    expect(naiveTime('2026-12-31 23:59:59')).toBe('2026-12-31 23:59:59');
    expect(naiveTime(null)).toBe('—');
  });

  it('finds the previous month on the text', () => {
    expect(previousMonth('2026-03')).toBe('2026-02');
    expect(previousMonth('2026-01')).toBe('2025-12');
  });
});
