/**
 * The sample generator's command line (`npm run sample`): writes the exports and prints one line
 * per file and a total.
 *
 * Usage: tsx pipeline/sample/cli.ts [--out data/sample] [--tickets 24000]
 *        [--seed 20261] [--technicians 60] [--outlets 10] [--first-month 2025-11]
 *        [--months 12] [--no-mess] [--no-formats] [--no-late]
 *
 * Owns argument parsing and the printout. Imports only ./index.ts.
 */
import { generateSample, type GenerateSampleOptions } from './index.ts';

function parseArgs(argv: readonly string[]): GenerateSampleOptions {
  // the bundled sample comes with its late export (late/), which npm start loads after closing months
  const opts: GenerateSampleOptions = { outDir: 'data/sample', late: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`missing value for ${a}`);
      return v;
    };
    const num = (): number => {
      const v = Number(val());
      if (!Number.isFinite(v)) throw new Error(`${a} needs a number`);
      return v;
    };
    switch (a) {
      case '--out':
        opts.outDir = val();
        break;
      case '--seed':
        opts.seed = num();
        break;
      case '--tickets':
        opts.tickets = num();
        break;
      case '--technicians':
        opts.technicians = num();
        break;
      case '--outlets':
        opts.outlets = num();
        break;
      case '--first-month':
        opts.firstMonth = val();
        break;
      case '--months':
        opts.months = num();
        break;
      case '--no-mess':
        opts.mess = false;
        break;
      case '--no-formats':
        opts.formats = false;
        break;
      case '--no-late':
        opts.late = false;
        break;
      default:
        throw new Error(`unknown argument ${a}`);
    }
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const s = await generateSample(opts);
  for (const f of [...s.files, ...(s.late?.files ?? [])]) {
    const enc = f.encoding === 'utf-8' && f.bom ? 'utf-8 bom' : f.encoding;
    console.log(`${f.file}\t${f.kind}\t${f.rows} rows\t${enc}\t${f.bytes} bytes`);
  }
  const r = s.rows;
  console.log(
    `wrote ${s.files.length} files to ${s.outDir}: ${r.tickets} tickets (${s.tickets.completed} completed, ${s.tickets.cancelled} cancelled, ${s.tickets.open} open), ` +
      `${r.revisits} revisits, ${r.complaints} complaints, ${r.violations} violations, ${s.mess_rows.length} mess rows`,
  );
  if (s.late) {
    const reasons = s.late.changes.map((c) => `${c.reason} ${c.line_id}`).join(', ');
    console.log(`late export in ${s.late.dir}, to load after closing ${s.late.closed.join(', ')}: ${reasons}; ${s.late.appeals.length} appeals`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
