// Concurrency trials (issue 5, item 3), repeated: rounds of 16 processes each setting a distinct
// runtime key on one v2 file at once (some with a dead process's lock to reclaim first), and
// rounds of 8 `migrate --auto` + 8 `runtime set` on a v1 file. Every round: no lost update, one
// migration and one backup at most, a valid file with its mode, nothing left beside it.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cleanupDeployments, EVENTS_TEXT, list, makeDeployment, REPO, sha256 } from '../helpers/tmp-state.js';
import { plantDeadLock, sixteenWriters } from './harness.js';

afterAll(cleanupDeployments);

const ROUNDS = { v2: 5, deadLock: 3, v1Mixed: 5 };
const summary: string[] = [];
afterAll(() => console.info(`concurrency rounds:\n  ${summary.join('\n  ')}`));

async function timed<T>(label: string, round: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await round();
  summary.push(`${label}: ${Date.now() - started}ms`);
  return result;
}

describe('16 concurrent writers, round after round', () => {
  it(`${ROUNDS.v2} rounds of 16 × runtime set on a v2 file lose no update`, async () => {
    const v2 = await readFile(join(REPO, 'fixtures/v2/mid-run.yaml'));
    for (let round = 0; round < ROUNDS.v2; round++) {
      const d = await makeDeployment('', {
        content: v2,
        events: EVENTS_TEXT,
        mode: round % 2 ? 0o600 : 0o644,
      });
      await timed(`v2 #${round + 1}`, () => sixteenWriters(d, { tag: `r${round}_` }));
      expect(await list(d.archive)).toEqual([]);
    }
  });

  it(`${ROUNDS.deadLock} rounds with a dead process's lock in the way: reclaimed, no update lost`, async () => {
    const v2 = await readFile(join(REPO, 'fixtures/v2/several-runs.yaml'));
    for (let round = 0; round < ROUNDS.deadLock; round++) {
      const d = await makeDeployment('', { content: v2 });
      await plantDeadLock(d, spawnSync(process.execPath, ['-e', '']).pid as number);
      await timed(`dead lock #${round + 1}`, () => sixteenWriters(d));
    }
  });

  it(`${ROUNDS.v1Mixed} rounds of 8 × migrate --auto + 8 × runtime set on a v1 file: one migration each`, async () => {
    const fixtures = ['e5-deployer.yaml', 'e0-strings.yaml', 'e6-skipped.yaml', 'kof-enabled.yaml'];
    for (let round = 0; round < ROUNDS.v1Mixed; round++) {
      const d = await makeDeployment(fixtures[round % fixtures.length] as string, { events: EVENTS_TEXT });
      const { data, migratedLines } = await timed(`v1 mixed #${round + 1}`, () =>
        sixteenWriters(d, { autos: 8 }),
      );
      expect(migratedLines).toBe(1);
      expect(await list(d.archive)).toHaveLength(1);
      const applied = data.migrations_applied as Array<{ input_sha256: string }>;
      expect(applied.map((entry) => entry.input_sha256)).toEqual([sha256(d.original)]);
      const events = parse(await readFile(d.eventsFile, 'utf8')).events as Array<{ action: string }>;
      expect(events.filter((event) => event.action === 'state_migrated')).toHaveLength(1);
    }
  });
});
