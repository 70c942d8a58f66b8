import { defineConfig } from 'vitest/config';

// One runner for every workspace. Integration tests start their own brokers, stores and browsers on
// free loopback ports, so they may take seconds; none of them sleeps to wait.
export default defineConfig({
  test: {
    include: ['{protocols,server,edge-agent,simulators,dashboard}/test/**/*.test.ts', 'scripts/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
