import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // DuckDB runs its own threads; two test files at a time fit a 2-core machine
    maxWorkers: 2,
  },
});
