import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['lib/**/*.test.ts', 'server/**/*.test.ts', 'test/**/*.test.ts'],
    // The container test builds an image for minutes: `npm run test:container` runs it
    // (vitest.container.config.ts), as part of `npm test`.
    exclude: [...configDefaults.exclude, 'test/container.test.ts'],
    // Integration tests start real server processes; give them room on a shared 2-core box.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
