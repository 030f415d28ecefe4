// `runtime set` killed with SIGKILL at random moments (issue 5, item 2): the state file is
// always the old version or a complete new one, and the next run cleans up and succeeds. A few
// trials here; test/faults.test.ts kills migrations; test/stress/crash.stress.ts runs hundreds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupDeployments } from './helpers/tmp-state.js';
import { type CrashReferences, crashReferences, crashSeries } from './stress/harness.js';

afterAll(cleanupDeployments);

describe('runtime set killed at a random moment', () => {
  let refs: CrashReferences;
  beforeAll(async () => {
    refs = await crashReferences();
  }, 60_000);

  it('leaves the old or the complete new file; the next run recovers', async () => {
    const lines: string[] = [];
    const counts = await crashSeries(
      [
        { kind: 'runtime-set-v2', moment: 'random' },
        { kind: 'runtime-set-v2', moment: 'temp-file' },
        { kind: 'runtime-set-v1', moment: 'random' },
        { kind: 'runtime-set-v1', moment: 'temp-file' },
        { kind: 'runtime-set-v1', moment: 'rename' },
      ],
      refs,
      (line) => lines.push(line),
    );
    console.info(
      `runtime set kills (uninterrupted: ${JSON.stringify(refs.duration)}):\n  ${lines.join('\n  ')}`,
    );
    expect(counts.failures).toEqual([]);
    expect(counts.trials).toBe(5);
  }, 120_000);
});
