import { defineConfig } from 'vitest/config';

const everywhere = ['src-engine', 'src-services', 'src-trainer', 'src-cli', 'src-web', 'src-electron', 'src-shared', 'src-renderer', 'bench', 'scripts'];
/** The book's experiments reproduced (thousands of updates each) and the full gradient checks: slow by nature. */
const chapters = 'src-engine/chapters/**/*.chapter.test.ts';
/** Once per project run: the note on native-only tests, the bundled trainer entries. */
const globalSetup = ['scripts/vitest-global-setup.ts', 'scripts/vitest-trainer-bundle.ts'];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Numeric tests are CPU-bound: two workers match the project's 2-core machines.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', globalSetup, include: everywhere.map((dir) => `${dir}/**/*.test.ts`), exclude: ['**/node_modules/**', chapters] } },
      { extends: true, test: { name: 'chapters', globalSetup, include: [chapters] } },
    ],
  },
});
