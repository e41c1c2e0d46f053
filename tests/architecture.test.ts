// The stages import only downwards, and no file imports one that imports it (ARCHITECTURE.md):
//   pipeline/common < load < build < publish < the run (pipeline/run.ts, cli.ts) < dashboard start (and its sample setup), bench
// The sample generator stands apart (it imports only itself), and the pages (dashboard/src) import
// nothing of the pipeline or the server.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return name === 'dist' || name === 'node_modules' ? [] : sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The project files a file imports (static and dynamic imports of relative paths). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.map((s) => relative(ROOT, resolve(join(ROOT, dirname(file)), s)));
}

const STAGES: [RegExp, string, number][] = [
  [/^pipeline\/common\//, 'common', 0],
  [/^pipeline\/load\//, 'load', 1],
  [/^pipeline\/build\//, 'build', 2],
  [/^pipeline\/publish\//, 'publish', 3],
  [/^pipeline\/[^/]+\.ts$/, 'run', 4],
  [/^dashboard\/(start|server|sample-setup)\.ts$|^dashboard\/server\//, 'server', 5],
  [/^bench\//, 'bench', 6],
];

function stageOf(file: string): { name: string; rank: number } | undefined {
  const stage = STAGES.find(([pattern]) => pattern.test(file));
  return stage ? { name: stage[1], rank: stage[2] } : undefined;
}

const FILES = [...sourceFiles('pipeline'), ...sourceFiles('dashboard'), ...sourceFiles('bench')];
const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));

describe('architecture', () => {
  it('finds the files and their imports', () => {
    // a check that cannot fail is no check: the walk must see the stages and their imports
    expect(FILES).toContain('pipeline/build/index.ts');
    expect(GRAPH.get('pipeline/run.ts')).toContain('pipeline/build/index.ts');
    expect(GRAPH.get('dashboard/start.ts')).toContain('dashboard/sample-setup.ts');
    expect(GRAPH.get('dashboard/sample-setup.ts')).toContain('pipeline/run.ts');
  });

  it('imports only files that exist', () => {
    const missing = [...GRAPH].flatMap(([file, imports]) => imports.filter((i) => !FILES.includes(i) && !i.startsWith('dashboard/dist')).map((i) => `${file} -> ${i}`));
    expect(missing).toEqual([]);
  });

  it('runs every import of a stage downwards or within the stage', () => {
    const upwards: string[] = [];
    for (const [file, imports] of GRAPH) {
      const from = stageOf(file);
      if (!from) continue;
      for (const target of imports) {
        const to = stageOf(target);
        if (to && to.rank > from.rank) upwards.push(`${file} (${from.name}) -> ${target} (${to.name})`);
      }
    }
    expect(upwards).toEqual([]);
  });

  it('keeps the sample generator and the pages apart from the product', () => {
    const crossing = [...GRAPH].flatMap(([file, imports]) => {
      if (file.startsWith('pipeline/sample/')) return imports.filter((i) => !i.startsWith('pipeline/sample/')).map((i) => `${file} -> ${i}`);
      if (file.startsWith('dashboard/src/')) return imports.filter((i) => !i.startsWith('dashboard/src/')).map((i) => `${file} -> ${i}`);
      if (!file.startsWith('bench/')) return imports.filter((i) => i.startsWith('pipeline/sample/')).map((i) => `${file} -> ${i}`);
      return [];
    });
    expect(crossing).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const next of GRAPH.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of FILES) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
