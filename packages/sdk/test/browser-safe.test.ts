import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const builtins = new Set(builtinModules);

/** Every module the client entry loads (static and dynamic imports), by path, and what each imports. */
function importGraph(entry: string) {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const code = readFileSync(file, 'utf8');
    const specifiers = [
      ...code.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+'([^']+)'|import\('([^']+)'\)/g),
    ]
      .map((m) => m[1] ?? m[2])
      .filter((s): s is string => s !== undefined);
    seen.set(file, specifiers);
    for (const s of specifiers) if (s.startsWith('.')) visit(join(dirname(file), s.replace(/\.js$/, '.ts')));
  };
  visit(entry);
  return seen;
}

describe('the client entry', () => {
  it('imports nothing from Node.js, so it runs in browsers and workers (the CLI may)', () => {
    const graph = importGraph(join(src, 'index.ts'));
    expect(graph.size).toBeGreaterThan(5);
    for (const [file, specifiers] of graph) {
      expect(file).not.toMatch(/[/\\]cli[/\\]/);
      for (const s of specifiers)
        expect(s.startsWith('node:') || builtins.has(s), `${file} imports ${s}`).toBe(false);
    }
  });
});
