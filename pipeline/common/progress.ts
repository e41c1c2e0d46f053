// Progress of a long run. On a terminal: one status line, redrawn in place a few times a second
// (stage, file, bytes done of all, rate, elapsed), with the permanent log lines printed above it.
// Elsewhere (CI, a log file): plain lines only, each file's line carrying its size, time and rate.
// Quiet: nothing at all.

export interface ProgressOptions {
  /** where lines go; null = quiet */
  out: NodeJS.WriteStream | { write(text: string): unknown; isTTY?: boolean } | null;
  /** redraw interval on a terminal, ms */
  intervalMs?: number;
}

const MB = 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * MB) return `${(bytes / 1024 / MB).toFixed(2)} GB`;
  if (bytes >= MB) return `${(bytes / MB).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${bytes} B`;
}

function formatRate(bytes: number, seconds: number): string {
  return seconds > 0 ? `${formatBytes(bytes / seconds)}/s` : '–';
}

export class Progress {
  private readonly out: ProgressOptions['out'];
  private readonly tty: boolean;
  private readonly started = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private stageName = '';
  private totalBytes = 0;
  private totalFiles = 0;
  private doneBytes = 0;
  private doneFiles = 0;
  private doneRows = 0;
  private file: { name: string; bytes: number; started: number } | undefined;
  private statusShown = false;

  constructor(options: ProgressOptions) {
    this.out = options.out;
    this.tty = Boolean(options.out && 'isTTY' in options.out && options.out.isTTY);
    if (this.tty) {
      this.timer = setInterval(() => this.draw(), options.intervalMs ?? 250);
      this.timer.unref();
    }
  }

  /** A permanent line (what happened), above the status line on a terminal. */
  log(line: string): void {
    if (!this.out) return;
    this.clear();
    this.out.write(`${line}\n`);
    this.draw();
  }

  /** A new stage of the run: loading, building the tables, publishing. */
  stage(name: string, detail?: string): void {
    this.stageName = name;
    this.file = undefined;
    if (!this.tty) this.log(`[${this.elapsed()}] ${name}${detail ? `: ${detail}` : ''}`);
    else this.draw();
  }

  /** The files the load stage will read, for "bytes done of all". */
  plan(files: number, bytes: number): void {
    this.totalFiles = files;
    this.totalBytes = bytes;
  }

  fileStarted(name: string, bytes: number): void {
    this.file = { name, bytes, started: performance.now() };
    this.draw();
  }

  /** The file's log line, with its size, time and rate appended. */
  fileDone(line: string, rows: number): void {
    const file = this.file;
    const seconds = file ? (performance.now() - file.started) / 1000 : 0;
    if (file) this.doneBytes += file.bytes;
    this.doneFiles += 1;
    this.doneRows += rows;
    this.file = undefined;
    const timing = file ? ` — ${formatBytes(file.bytes)} in ${seconds.toFixed(2)} s (${formatRate(file.bytes, seconds)})` : '';
    this.log(`${line}${timing}`);
  }

  /**
   * Files read together (started as one with fileStarted): each file's log line with its size,
   * and the time and rate of the whole read.
   */
  filesDone(files: { line: string; rows: number; bytes: number }[]): void {
    const batch = this.file;
    const seconds = batch ? (performance.now() - batch.started) / 1000 : 0;
    const bytes = files.reduce((n, f) => n + f.bytes, 0);
    this.file = undefined;
    for (const f of files) {
      this.doneBytes += f.bytes;
      this.doneFiles += 1;
      this.doneRows += f.rows;
      this.log(`${f.line} — ${formatBytes(f.bytes)}, one of ${files.length} files read together: ${formatBytes(bytes)} in ${seconds.toFixed(2)} s (${formatRate(bytes, seconds)})`);
    }
  }

  /** Stops redrawing and leaves the terminal on a fresh line. */
  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  /** The status line as drawn on a terminal (exposed for tests). */
  statusLine(): string {
    const elapsedSeconds = (performance.now() - this.started) / 1000;
    const parts = [`[${this.stageName || 'starting'}]`];
    if (this.stageName === 'load' && this.totalFiles > 0) {
      const inFile = this.file ? ` ${this.file.name} (${formatBytes(this.file.bytes)})` : '';
      parts.push(`file ${Math.min(this.doneFiles + 1, this.totalFiles)}/${this.totalFiles}${inFile}`);
      parts.push(`${formatBytes(this.doneBytes)} of ${formatBytes(this.totalBytes)}`);
      parts.push(formatRate(this.doneBytes, elapsedSeconds));
      if (this.doneRows > 0) parts.push(`${this.doneRows.toLocaleString('en')} rows`);
    }
    parts.push(`${elapsedSeconds.toFixed(1)} s`);
    return parts.join(' · ');
  }

  private elapsed(): string {
    return `${((performance.now() - this.started) / 1000).toFixed(1)} s`;
  }

  private draw(): void {
    if (!this.tty || !this.out || this.timer === undefined) return;
    const columns = 'columns' in this.out && typeof this.out.columns === 'number' ? this.out.columns : 100;
    this.out.write(`\r\x1b[2K${this.statusLine().slice(0, Math.max(20, columns - 1))}`);
    this.statusShown = true;
  }

  private clear(): void {
    if (this.tty && this.out && this.statusShown) {
      this.out.write('\r\x1b[2K');
      this.statusShown = false;
    }
  }
}
