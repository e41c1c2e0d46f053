// Progress output: plain timed lines off a terminal, a redrawn status line on one, nothing when quiet.
import { describe, expect, it } from 'vitest';
import { Progress, formatBytes } from '../pipeline/common/progress.ts';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { out: { isTTY, columns: 200, write: (text: string) => chunks.push(text) }, chunks };
}

describe('progress', () => {
  it('writes plain lines off a terminal: the stage with elapsed time, each file with size, time and rate', () => {
    const { out, chunks } = sink(false);
    const progress = new Progress({ out });
    progress.stage('load', 'exports/');
    progress.plan(2, 3 * 1024 * 1024);
    progress.fileStarted('工单_2026-01.csv', 2 * 1024 * 1024);
    progress.fileDone('loaded 工单_2026-01.csv (tickets, utf-8): read 10, loaded 9, rejected 1', 10);
    progress.log('checking invariants');
    progress.end();
    const lines = chunks.join('').split('\n');
    expect(lines[0]).toMatch(/^\[\d+\.\d s\] load: exports\/$/);
    expect(lines[1]).toMatch(/^loaded 工单_2026-01\.csv \(tickets, utf-8\): read 10, loaded 9, rejected 1 — 2\.0 MB in \d+\.\d\d s \(.+\/s\)$/);
    expect(lines[2]).toBe('checking invariants');
    expect(lines[3]).toBe('');
    // no terminal control characters in a log file
    expect(chunks.join('')).not.toMatch(/\r|\x1b/);
  });

  it('redraws one status line on a terminal and prints log lines above it', () => {
    const { out, chunks } = sink(true);
    const progress = new Progress({ out, intervalMs: 10_000 });
    progress.stage('load');
    progress.plan(3, 30 * 1024 * 1024);
    progress.fileStarted('回访_2026-02.csv', 10 * 1024 * 1024);
    expect(progress.statusLine()).toMatch(/^\[load\] · file 1\/3 回访_2026-02\.csv \(10\.0 MB\) · 0 B of 30\.0 MB · .+ · \d+\.\d s$/);
    progress.fileDone('loaded 回访_2026-02.csv', 500);
    expect(progress.statusLine()).toMatch(/^\[load\] · file 2\/3 · 10\.0 MB of 30\.0 MB · .+\/s · 500 rows · \d+\.\d s$/);
    progress.end();
    const text = chunks.join('');
    // the status line is drawn with a carriage return and cleared before each permanent line
    expect(text).toContain('\r\x1b[2K[load]');
    expect(text).toMatch(/\r\x1b\[2Kloaded 回访_2026-02\.csv — 10\.0 MB in \d+\.\d\d s/);
    expect(text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2 kB');
    expect(formatBytes(5.5 * 1024 * 1024)).toBe('5.5 MB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.00 GB');
  });
});
