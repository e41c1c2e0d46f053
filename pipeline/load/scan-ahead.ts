// The pre-passes (bytes/prepass.ts) of the files ahead, started while DuckDB works on the file
// before them: as far ahead as the files that may be read together with the current one.
import { scanFile, type FileScan } from './bytes/prepass.ts';
import type { InputFile } from './inputs.ts';
import { FatalLoadError } from './outcome.ts';
import { TOGETHER_BYTES } from './plan.ts';

export class ScanAhead {
  private readonly scans = new Map<string, Promise<FileScan>>();

  constructor(
    private readonly entries: InputFile[],
    private readonly sizes: number[],
  ) {}

  /** Starts the pre-passes of the files that may be read with the one at from (and of the one after them). */
  ahead(from: number): void {
    let bytes = 0;
    for (let i = from; i < this.entries.length && bytes <= TOGETHER_BYTES; i++) {
      if (!this.entries[i]!.kind) continue;
      void this.scanOf(this.entries[i]!.path);
      bytes += this.sizes[i]!;
    }
  }

  /** The pre-pass of a file, started now if it was not yet; a file that cannot be read stops the run. */
  async take(entry: InputFile): Promise<FileScan> {
    try {
      return await this.scanOf(entry.path);
    } catch (e) {
      throw new FatalLoadError(`${entry.name}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    } finally {
      this.scans.delete(entry.path);
    }
  }

  private scanOf(path: string): Promise<FileScan> {
    let scan = this.scans.get(path);
    if (!scan) {
      scan = scanFile(path);
      scan.catch(() => undefined); // reported when awaited
      this.scans.set(path, scan);
    }
    return scan;
  }
}
