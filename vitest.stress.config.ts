import { defineConfig } from 'vitest/config';

// `npm run test:stress`: the long trials (test/stress/*.stress.ts: hundreds of SIGKILLed runs,
// rounds of 16 concurrent writers), the property tests with 3 times the runs of the default
// suite, and the "carry, don't block" properties with 10,000 schema-drawn v1 files (issue 15).
// Files run one after another: the trials time their kills against uninterrupted runs, and two
// cores are all they get.
export default defineConfig({
  test: {
    include: ['test/stress/**/*.stress.ts', 'test/property.test.ts', 'test/carry.property.test.ts'],
    env: { K0RDENT_STATE_PROPERTY_SCALE: '3', K0RDENT_STATE_CARRY_CASES: '10000' },
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 120_000,
  },
});
