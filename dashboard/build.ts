// Builds the static dashboard: bundles the page scripts (ESM, minified) and copies
// the HTML pages, the stylesheets and the chart specs next to them. Every chart spec is checked
// first: it must have a description, refer only to known labels and compile with Vega-Lite.
// Usage: npm run build  (or import { build } and call build(outDir))
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build as bundle } from 'esbuild';
import { compile } from 'vega-lite';
import { labelKeys, localizeSpec, type SpecObject } from './src/lib/spec.ts';
import { isStringKey } from './src/lib/strings.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIRS = {
  scripts: join(HERE, 'src'),
  pages: join(HERE, 'pages'),
  styles: join(HERE, 'styles'),
  specs: join(HERE, 'specs'),
};

function filesOf(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Warnings that do not point at a mistake: a chart as wide as its container whose height grows
 * with the number of bars (a band step) fits the width only, which is what is wanted.
 */
const BENIGN_WARNINGS = [/^Dropping "fit-y" because spec has discrete height/];

/** A Vega logger that keeps warnings and errors instead of printing them. */
function collectingLogger(into: string[]) {
  let level = 2;
  const logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: unknown[]) {
      into.push(args.map(String).join(' '));
      return logger;
    },
    warn(...args: unknown[]) {
      into.push(args.map(String).join(' '));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

/** Problems of one chart spec file; empty when it is fine. */
export function checkSpec(name: string, spec: SpecObject): string[] {
  const problems: string[] = [];
  if (typeof spec.description !== 'string' || spec.description.trim() === '') problems.push(`${name}: no description`);
  for (const key of labelKeys(spec)) {
    if (!isStringKey(key)) problems.push(`${name}: unknown label ${key}`);
  }
  for (const lang of ['zh', 'en'] as const) {
    const warnings: string[] = [];
    try {
      compile(localizeSpec(spec, lang) as never, { logger: collectingLogger(warnings) });
    } catch (e) {
      problems.push(`${name} (${lang}): ${(e as Error).message}`);
    }
    problems.push(...warnings.filter((w) => !BENIGN_WARNINGS.some((re) => re.test(w))).map((w) => `${name} (${lang}): ${w}`));
  }
  return problems;
}

export function readSpecs(): { name: string; spec: SpecObject }[] {
  return filesOf(SOURCE_DIRS.specs, '.vl.json').map((file) => ({
    name: file,
    spec: JSON.parse(readFileSync(join(SOURCE_DIRS.specs, file), 'utf8')) as SpecObject,
  }));
}

export async function build(outDir = 'dashboard/dist'): Promise<void> {
  const out = resolve(outDir);
  if (out === resolve('/') || out === resolve(HERE) || out === resolve(HERE, '..')) throw new Error(`refusing to build into ${outDir}`);

  const specs = readSpecs();
  const problems = specs.flatMap(({ name, spec }) => checkSpec(name, spec));
  if (problems.length > 0) throw new Error(`chart specs:\n${problems.join('\n')}`);

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const entryPoints = filesOf(SOURCE_DIRS.scripts, '.ts').map((file) => join(SOURCE_DIRS.scripts, file));
  await bundle({
    entryPoints,
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify: true,
    // no source maps: the served build must not hand out the sources (the server refuses .map too)
    sourcemap: false,
    chunkNames: 'chunks/[name]-[hash]',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'linked',
    logLevel: 'warning',
  });

  for (const file of filesOf(SOURCE_DIRS.pages, '.html')) copyFileSync(join(SOURCE_DIRS.pages, file), join(out, file));
  mkdirSync(join(out, 'styles'), { recursive: true });
  for (const file of [...filesOf(SOURCE_DIRS.styles, '.css'), ...filesOf(SOURCE_DIRS.styles, '.svg')]) copyFileSync(join(SOURCE_DIRS.styles, file), join(out, 'styles', file));
  mkdirSync(join(out, 'specs'), { recursive: true });
  for (const { name } of specs) copyFileSync(join(SOURCE_DIRS.specs, name), join(out, 'specs', name));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const outDir = process.argv[2] ?? 'dashboard/dist';
  const started = performance.now();
  build(outDir).then(
    () => process.stdout.write(`built the dashboard into ${relative(process.cwd(), resolve(outDir)) || '.'} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`),
    (e: unknown) => {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
