import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src-engine/**/*.test.ts', 'src-services/**/*.test.ts', 'src-trainer/**/*.test.ts', 'src-cli/**/*.test.ts', 'src-web/**/*.test.ts', 'src-electron/**/*.test.ts', 'src-shared/**/*.test.ts', 'src-renderer/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts'],
    globalSetup: ['scripts/vitest-global-setup.ts', 'scripts/vitest-trainer-bundle.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Numeric tests are CPU-bound: two workers match the project's 2-core machines.
    maxWorkers: 2,
  },
});
