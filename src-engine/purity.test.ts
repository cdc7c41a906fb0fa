import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('.', import.meta.url).pathname;

/** The engine's own source files (tests and test fixtures may use Node and the app's loaders). */
function engineSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' || entry.name === 'test-support' ? [] : engineSources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && entry.name !== 'sparse-fixtures.ts' ? [path] : [];
  });
}

describe('the engine is pure TypeScript, importable by the renderer', () => {
  it('imports only its own modules: no Node, no zod, no app code, and uses no Node globals', () => {
    const problems: string[] = [];
    for (const file of engineSources(root)) {
      const source = readFileSync(file, 'utf8');
      for (const [, specifier] of source.matchAll(/\bfrom\s+'([^']+)'/g)) {
        if (!specifier.startsWith('./') && !specifier.startsWith('../')) problems.push(`${relative(root, file)} imports ${specifier}`);
        else if (!join(file, '..', specifier).startsWith(root)) problems.push(`${relative(root, file)} imports ${specifier} from outside src-engine`);
      }
      for (const [global] of source.matchAll(/\b(process|Buffer|require|__dirname)\b(?=[.(])/g)) problems.push(`${relative(root, file)} uses ${global}`);
    }
    expect(problems).toEqual([]);
    expect(engineSources(root).length).toBeGreaterThan(20);
  });
});
