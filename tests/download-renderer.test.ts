// The server's download renderer takes renders in turn (dashboard/server/downloads.ts): a national
// month of HR's statements holds about 1 GB while it renders, so only a few run at once, the others
// wait in the order they came, and a failed one frees its turn.
import { describe, expect, it } from 'vitest';
import { limiter } from '../dashboard/server/downloads.ts';

/** A task that runs until released, recording when it started. */
function gate(started: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { release, work: async () => (started.push(name), await done, name) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('renders in turn', () => {
  it('runs two at once, the others in the order they came, each as soon as a turn is free', async () => {
    const inTurn = limiter(2);
    const started: string[] = [];
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((name) => gate(started, name));
    const results = tasks.map((task) => inTurn(task.work));
    await tick();
    expect(started).toEqual(['a', 'b']);
    tasks[1]!.release();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    tasks[0]!.release();
    tasks[2]!.release();
    await tick();
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
    tasks[3]!.release();
    tasks[4]!.release();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('frees the turn of a render that failed', async () => {
    const inTurn = limiter(1);
    await expect(inTurn(async () => Promise.reject(new Error('no rows file')))).rejects.toThrow('no rows file');
    expect(await inTurn(async () => 'next')).toBe('next');
  });
});
