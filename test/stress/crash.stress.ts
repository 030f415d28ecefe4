// Crash trials (issue 5, item 2), the long series: `migrate FILE` and `runtime set KEY VALUE
// --file FILE` (on a v2 file, and on a v1 file, which it migrates first) started as child
// processes and killed with SIGKILL at random moments, at least 200 times. After each kill the
// state file must be byte for byte the old version or a complete valid new one, and the next run
// must clean up what the killed one left and succeed. Prints the counts at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupDeployments } from '../helpers/tmp-state.js';
import {
  type CrashKind,
  type CrashReferences,
  crashReferences,
  crashSeries,
  type KillMoment,
} from './harness.js';

afterAll(cleanupDeployments);

/** How many trials of each kind and moment. */
const PLAN: Array<[CrashKind, KillMoment, number]> = [
  ['migrate', 'random', 40],
  ['migrate', 'lock', 4],
  ['migrate', 'backup', 6],
  ['migrate', 'temp-file', 10],
  ['migrate', 'rename', 12],
  ['runtime-set-v2', 'random', 40],
  ['runtime-set-v2', 'lock', 4],
  ['runtime-set-v2', 'temp-file', 12],
  ['runtime-set-v2', 'rename', 14],
  ['runtime-set-v1', 'random', 40],
  ['runtime-set-v1', 'lock', 4],
  ['runtime-set-v1', 'backup', 6],
  ['runtime-set-v1', 'temp-file', 12],
  ['runtime-set-v1', 'rename', 14],
];

describe('SIGKILL at random moments', () => {
  let refs: CrashReferences;
  beforeAll(async () => {
    refs = await crashReferences();
  });

  it('leaves the old or a complete new file every time, and the next run recovers', async () => {
    // Interleave the kinds, so a slow patch of the machine does not hit one kind only.
    const plan = PLAN.flatMap(([kind, moment, count]) =>
      Array.from({ length: count }, () => ({ kind, moment })),
    )
      .map((trial) => ({ trial, key: Math.random() }))
      .sort((a, b) => a.key - b.key)
      .map(({ trial }) => trial);
    const lines: string[] = [];
    const started = Date.now();
    const counts = await crashSeries(plan, refs, (line) => lines.push(line));
    const seconds = Math.round((Date.now() - started) / 1000);
    console.info(
      [
        `crash trials (uninterrupted runs: ${Object.entries(refs.duration)
          .map(([kind, ms]) => `${kind} ${ms}ms`)
          .join(', ')}):`,
        ...lines
          .sort((a, b) => Number(a.slice(1).split(' ')[0]) - Number(b.slice(1).split(' ')[0]))
          .map((line) => `  ${line}`),
        `crash trials: ${counts.trials} trials, ${counts.old} old, ${counts.migrated} migrated (runtime set on v1 killed between its two writes), ${counts.new} new, ${counts.failures.length} failures; ${counts.finishedFirst} runs finished before the kill, ${counts.leftovers} left a temp file or lock behind (all cleaned by the next run); ${seconds}s`,
      ].join('\n'),
    );
    expect(counts.failures).toEqual([]);
    expect(counts.trials).toBeGreaterThanOrEqual(200);
    expect(counts.old + counts.migrated + counts.new).toBe(counts.trials);
    // The kills hit both sides of the write, and the moment between the two writes of a v1 runtime set.
    expect(counts.old).toBeGreaterThan(0);
    expect(counts.new).toBeGreaterThan(0);
    expect(counts.migrated).toBeGreaterThan(0);
  });
});
