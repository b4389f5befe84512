import { defineConfig } from 'vitest/config';

/** `npm run test:container`: the image built and run with podman (test/container.test.ts). */
export default defineConfig({
  test: {
    include: ['test/container.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 1_200_000,
    pool: 'forks',
  },
});
