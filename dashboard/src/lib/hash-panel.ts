/// <reference lib="dom" />
// A detail panel driven by the location hash (`#t=<id>`, `#o=<id>`): links and the back button
// open and close it, and a page opened with the hash shows it at once.
import { hashParam } from './columns.ts';
import type { PageContext } from './shell.ts';

/** Runs `open` with the hash's id now and on every hash change, or `close` when there is none. */
export async function followHash(ctx: PageContext, name: string, open: (id: string) => Promise<void>, close: () => void): Promise<void> {
  const show = async (): Promise<void> => {
    const id = hashParam(name);
    if (!id) {
      close();
      return;
    }
    await open(id);
  };
  ctx.listen(window, 'hashchange', () => void show());
  await show();
}
