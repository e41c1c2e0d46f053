// Where the pages find the published files, and how a missing file is reported.
import { describe, expect, it } from 'vitest';
import { DataError, DataStore, fileOfUrl, fillPath, HISTORY_SHARDS, historyShard, idFileName, runUrl } from '../dashboard/src/lib/data.ts';
import { HISTORY_SHARDS as PUBLISHED_SHARDS, historyShard as publishedShard } from '../pipeline/publish/index.ts';
import { compareValues, sortRows } from '../dashboard/src/lib/sort.ts';
import { trailingMonths } from '../dashboard/src/lib/rows.ts';

describe('file locations', () => {
  it('finds a technician\'s history file as the publish step names it', () => {
    expect(HISTORY_SHARDS).toBe(PUBLISHED_SHARDS);
    const ids = ['T0001', 'T0002', 'T9999', 'a.b_c-1', '张三', 'A/B', '..', '', 'W 1', '😀', ...Array.from({ length: 500 }, (_, i) => `T${String(i).padStart(4, '0')}`)];
    for (const id of ids) expect(historyShard(id), id).toBe(publishedShard(id));
    for (const id of ids) expect(historyShard(id)).toMatch(/^\d{2}$/);
    // FNV-1a (32-bit) of "a" is 0xe40c292c, the published test vector: 3826002220 % 32 = 12
    expect(historyShard('a')).toBe('12');
    // of "T0001", 0x7a2cd1a0 = 2049757600: file 00
    expect(historyShard('T0001')).toBe('00');
    // every file gets a share of a network's technicians
    const counts = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const shard = historyShard(`T${String(i).padStart(4, '0')}`);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect(counts.size).toBe(HISTORY_SHARDS);
    expect(Math.max(...counts.values())).toBeLessThan((5000 / HISTORY_SHARDS) * 1.5);
  });

  it('fills data URL templates, encoding an id once more for the URL', () => {
    expect(idFileName('T0001')).toBe('T0001');
    expect(idFileName('a.b_c-1')).toBe('a%2Eb_c-1');
    expect(idFileName('..')).toBe('%2E%2E');
    expect(idFileName('张三')).toBe('%E5%BC%A0%E4%B8%89');
    expect(fillPath('technician_history/{shard}.json', { shard: '07' })).toBe('technician_history/07.json');
    expect(fillPath('technicians/{month}.json', { month: '2026-10' })).toBe('technicians/2026-10.json');
    expect(fillPath('x/{technician_id}.json', { technician_id: 'A/B' })).toBe('x/A%252FB.json');
    expect(fillPath('x/{month}/{technician_id}.json', { month: '2026-10', technician_id: '张三' })).toBe('x/2026-10/%25E5%25BC%25A0%25E4%25B8%2589.json');
  });

  it('puts run files under the manifest folder and names them back for messages', () => {
    const url = runUrl({ folder: 'runs/20261122T212347' }, 'technicians/2026-10.json');
    expect(url).toBe('data/runs/20261122T212347/technicians/2026-10.json');
    expect(fileOfUrl(url)).toBe('technicians/2026-10.json');
    expect(fileOfUrl(runUrl({ folder: 'runs/x/' }, 'technician_history/A%252FB.json'))).toBe('technician_history/A%2FB.json');
  });

  it('takes the twelve published months ending at the selected one', () => {
    const months = ['2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'];
    expect(trailingMonths(months, '2026-10')).toEqual({ start: '2025-11', end: '2026-10' });
    expect(trailingMonths(months, '2025-10')).toEqual({ start: '2025-09', end: '2025-10' });
  });
});

describe('the data store', () => {
  function fakeFetch(files: Record<string, string>) {
    const calls: string[] = [];
    const fetcher = async (url: string) => {
      calls.push(url);
      const body = files[url];
      return body === undefined ? new Response('{"error":"not found"}', { status: 404 }) : new Response(body, { status: 200 });
    };
    return { fetcher, calls };
  }

  it('fetches a file once for tables and charts alike', async () => {
    const { fetcher, calls } = fakeFetch({ 'data/runs/r/network.json': '[{"month":"2026-10"}]' });
    const store = new DataStore(fetcher);
    const [a, b] = await Promise.all([store.json('data/runs/r/network.json'), store.text('data/runs/r/network.json')]);
    expect(a).toEqual([{ month: '2026-10' }]);
    expect(b).toBe('[{"month":"2026-10"}]');
    expect(calls).toEqual(['data/runs/r/network.json']);
  });

  it('reports a missing or broken file by its path in the run', async () => {
    const { fetcher, calls } = fakeFetch({ 'data/runs/r/bad.json': '{not json' });
    const store = new DataStore(fetcher);
    await expect(store.json('data/runs/r/technicians/2026-10.json')).rejects.toMatchObject({ name: 'DataError', file: 'technicians/2026-10.json', status: 404 });
    await expect(store.json('data/runs/r/bad.json')).rejects.toBeInstanceOf(DataError);
    // a failure is not kept: the next read asks again
    await expect(store.text('data/runs/r/technicians/2026-10.json')).rejects.toBeInstanceOf(DataError);
    expect(calls.filter((c) => c.endsWith('2026-10.json'))).toHaveLength(2);
  });

  it('reads the manifest, or null when nothing is published', async () => {
    const manifest = { run_id: 'r', published_at: '2026-11-22 21:23:47', folder: 'runs/r', months: ['2026-10', '2026-09'], latest_month: null };
    const published = new DataStore(fakeFetch({ 'data/manifest.json': JSON.stringify(manifest) }).fetcher);
    expect(await published.manifest()).toMatchObject({ months: ['2026-09', '2026-10'], latest_month: '2026-10' });
    expect(await new DataStore(fakeFetch({}).fetcher).manifest()).toBeNull();
    await expect(new DataStore(fakeFetch({ 'data/manifest.json': '{"run_id":"r"}' }).fetcher).manifest()).rejects.toBeInstanceOf(DataError);
  });
});

describe('table order', () => {
  it('sorts numbers as numbers, ids naturally, and empty values last either way', () => {
    const rows = [{ v: 10 }, { v: null }, { v: 2 }, { v: 33 }];
    expect(sortRows(rows, (r) => r.v, 'asc').map((r) => r.v)).toEqual([2, 10, 33, null]);
    expect(sortRows(rows, (r) => r.v, 'desc').map((r) => r.v)).toEqual([33, 10, 2, null]);
    const ids = [{ v: 'T10' }, { v: 'T2' }, { v: '' }, { v: 'T1' }];
    expect(sortRows(ids, (r) => r.v, 'asc').map((r) => r.v)).toEqual(['T1', 'T2', 'T10', '']);
    expect(compareValues(true, false, 'desc')).toBeLessThan(0);
  });

  it('keeps the order of equal rows', () => {
    const rows = [{ k: 1, id: 'a' }, { k: 0, id: 'b' }, { k: 1, id: 'c' }];
    expect(sortRows(rows, (r) => r.k, 'desc').map((r) => r.id)).toEqual(['a', 'c', 'b']);
  });
});
