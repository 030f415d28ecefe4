// Concurrent runtime writers (issue 5, item 3): 16 processes each doing `runtime set` of a
// distinct key on one state file at once lose no update; `migrate --auto` and `runtime set` mixed
// on a v1 file migrate it once. (16 × migrate --auto and the lock itself: test/concurrency.test.ts;
// many more rounds, and a dead process's lock to reclaim: test/stress/concurrency.stress.ts.)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cleanupDeployments, EVENTS_TEXT, list, makeDeployment, REPO, sha256 } from './helpers/tmp-state.js';
import { sixteenWriters } from './stress/harness.js';

afterAll(cleanupDeployments);

const V2 = () => readFile(join(REPO, 'fixtures/v2/mid-run.yaml'));

describe('16 processes each setting a distinct runtime key at once', () => {
  it('on a v2 file: all 16 keys are there, the file is valid, no lock or temp file is left', async () => {
    const d = await makeDeployment('', { content: await V2(), events: EVENTS_TEXT, mode: 0o600 });
    const { migratedLines } = await sixteenWriters(d);
    expect(migratedLines).toBe(0);
    expect(await list(d.archive)).toEqual([]);
    expect(await readFile(d.eventsFile, 'utf8')).toBe(EVENTS_TEXT);
  });

  it('on a v1 file, mixed with migrate --auto: one migration, one backup, every key', async () => {
    const d = await makeDeployment('e5-deployer.yaml', { events: EVENTS_TEXT });
    const { data, migratedLines } = await sixteenWriters(d, { autos: 8 });
    // Exactly one of the 16 migrated the file (and said so); the others found it migrated.
    expect(migratedLines).toBe(1);
    expect(await list(d.archive)).toHaveLength(1);
    const applied = data.migrations_applied as Array<{ input_sha256: string }>;
    expect(applied.map((entry) => entry.input_sha256)).toEqual([sha256(d.original)]);
    const events = parse(await readFile(d.eventsFile, 'utf8')).events as Array<{ action: string }>;
    expect(events.filter((event) => event.action === 'state_migrated')).toHaveLength(1);
  });
});
