// Naive local wall-clock time, as everything in the product: never converted to or from UTC.

/** Naive local time, as everything else in the product. */
export function localNow(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A run folder's name from its start (localNow): local wall-clock time; milliseconds keep quick reruns apart. */
export function runId(startedAt: string): string {
  return `${startedAt.replace(/[-:]/g, '').replace(' ', 'T')}-${String(Date.now() % 1000).padStart(3, '0')}`;
}
