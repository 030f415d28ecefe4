// Issue 15, "carry, don't block": auto-migration never stops the deployer on a file whose values
// can be carried. One block per class of the issue; each failed on the code before the fix (the
// migration refused the file, dropped a value or bent it). The fixture folders
// fixtures/migrations/{carry-*,times-*,numbers-carried,v2-names-in-v1,comments-pruned-and-headers,
// network-invalid} pin the whole output and report of the same cases.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrateParsed } from '../src/migrate/engine.js';
import { isReadableTime, readTime, toUtc, ZONE_OFFSETS } from '../src/migrate/times.js';
import { decodeStateBytes } from '../src/parse/decode.js';
import { parseState } from '../src/parse/parse.js';
import { byKind, Findings, plainlyFine } from '../src/validate/v1-kinds.js';
import { validateParsed } from '../src/validate/validate.js';
import { repoRoot } from './helpers.js';

const NOW = new Date('2026-01-01T00:00:00Z');

function migrate(text: string) {
  const decoded = decodeStateBytes(Buffer.from(text), 'state.yaml');
  const result = migrateParsed(parseState(decoded.text, 'state.yaml'), decoded, {
    now: NOW,
    toolVersion: '0.0.0-test',
  });
  const output = parseState(result.text, 'state.yaml');
  // biome-ignore lint/suspicious/noExplicitAny: the tests read migrated files of every shape.
  const data = output.data as Record<string, any>;
  return {
    result,
    text: result.text,
    data,
    output,
    codes: result.warnings.map((w) => `${w.code} ${w.path}`),
  };
}

const base = (
  extra: string,
  config = 'config: {controller_count: 1, worker_count: 1, wireguard_port: "51846"}',
) =>
  `deployment_id: "k0rdent-carry001"\ncreated_at: "2025-07-01T10:00:00Z"\nlast_updated: "2025-07-19T12:00:00Z"\n${config}\n${extra}`;

describe('class 1: a value with one clear meaning is migrated, with a warning', () => {
  it('migrates the issue repro (E0 null port, null and "{}" maps, a local last_updated)', () => {
    const input = readFileSync(join(repoRoot, 'fixtures/migrations/carry-clear-meanings/input.yaml'), 'utf8');
    const { data, codes } = migrate(input);
    expect(data.config.wireguard_port).toBeNull();
    expect(data.deployment_flags).toEqual({ azure_children: false, kof: false });
    expect(data.artifacts).toEqual({});
    expect(data.infrastructure_facts.cache_timestamp).toBe('2025-06-07T19:04:51Z');
    expect(codes).toEqual([
      'time-converted last_updated',
      'value-empty deployment_flags',
      'value-empty artifacts',
    ]);
  });

  it.each([
    ['deployment_flags', 'null'],
    ['deployment_flags', "'{}'"],
    ['phases', 'null'],
    ['phases', "'{}'"],
    ['artifacts', 'null'],
    ['wireguard_peers', "'{}'"],
    ['vm_states', 'null'],
    ['events', 'null'],
    ['events', "'{}'"],
    ['config', 'null'],
  ])('%s: %s is empty', (key, value) => {
    const text = key === 'config' ? base('', `config: ${value}`) : base(`${key}: ${value}\n`);
    const { data, codes } = migrate(text);
    expect(codes).toContain(`value-empty ${key}`);
    const placed =
      key === 'events'
        ? data.deployment_runs[0].events
        : key === 'vm_states'
          ? data.infrastructure_facts.outputs.vm_details
          : key === 'wireguard_peers'
            ? data.wireguard_config.peers
            : data[key];
    expect(placed).toEqual(
      key === 'events' ? [] : key === 'deployment_flags' ? { azure_children: false, kof: false } : {},
    );
  });

  it('a null in a known scalar is not set: left out of v2 and listed as pruned', () => {
    const { data, result, codes } = migrate(
      base('deployer: null\nwg_vpn_connected: null\nstatus: null\naws_role_arn: null\n'),
    );
    expect(data).not.toHaveProperty('deployer');
    expect(data).not.toHaveProperty('wireguard_config');
    expect(data.deployment_runs[0]).not.toHaveProperty('source_status');
    const pruned = result.changes.filter((c) => c.op === 'prune').map((c) => c.from);
    expect(pruned).toEqual(['deployer', 'wg_vpn_connected', 'status', 'aws_role_arn']);
    expect(codes.filter((code) => code.startsWith('value-unset'))).toHaveLength(4);
  });

  it('an unquoted aws_account_id keeps its digits, leading zero included', () => {
    const { data, codes } = migrate(base('aws_account_id: 012345678901\n'));
    expect(data.cloud_credentials.aws.account_id).toBe('012345678901');
    expect(codes).toContain('value-as-text aws_account_id');
  });

  it('a missing last_updated leaves the cache time null; a phase without status is pending', () => {
    const { data, codes } = migrate(
      'deployment_id: "k0rdent-carry002"\ncreated_at: "2025-07-01T10:00:00Z"\nconfig: {}\nphases:\n  install_k0s: {updated_at: "2025-07-01T11:00:00Z"}\n',
    );
    expect(data.infrastructure_facts.cache_timestamp).toBeNull();
    expect(data.phases.install_k0s.status).toBe('pending');
    expect(codes).toContain('value-unset last_updated');
    expect(codes).toContain('value-unset phases.install_k0s.status');
  });

  it('created_at in local time with a known zone is that instant in UTC', () => {
    const { data, codes } = migrate(
      base('').replace('"2025-07-01T10:00:00Z"', '"2025-07-01 12:00:00.5 CEST"'),
    );
    expect(data.created_at).toBe('2025-07-01T10:00:00.5Z');
    expect(data.current_run_id).toBe('migrated-20250701T100000Z');
    expect(codes).toContain('time-converted created_at');
  });

  it('a value of unknown meaning for a key the scripts branch on is still refused, naming key and fix', () => {
    for (const [extra, message] of [
      [
        'wg_vpn_connected: "maybe"\n',
        'wg_vpn_connected is "maybe", allowed: true, false, "true", "false", or null (not set)',
      ],
      [
        'phases:\n  install_k0s: {status: 7}\n',
        'phases.install_k0s.status is 7, allowed: "pending", "in_progress", "completed", "skipped", or null (not set)',
      ],
    ] as const) {
      const parsed = parseState(base(extra), 'state.yaml');
      const problems = validateParsed(parsed).problems.filter((p) => p.severity === 'error');
      expect(problems.map((p) => p.message)).toEqual([message]);
      expect(() => migrateParsed(parsed, decodeStateBytes(Buffer.from(base(extra))), { now: NOW })).toThrow(
        /not valid v1/,
      );
    }
  });
});

describe('class 2: times', () => {
  it('keeps the fraction of a second as written, in every time it converts', () => {
    expect(toUtc('2025-07-01T10:00:00.250Z')).toBe('2025-07-01T10:00:00.250Z');
    expect(toUtc('2025-07-01 12:00:00.250 +02')).toBe('2025-07-01T10:00:00.250Z');
    expect(toUtc('2025-07-01 12:00:00.123456789 CEST')).toBe('2025-07-01T10:00:00.123456789Z');
    const { data } = migrate(
      base('status: "completed"\ndeployment_end_time: 2025-07-19 11:00:00.5 +08\n').replace(
        '"2025-07-01T10:00:00Z"',
        '"2025-07-01T10:00:00.250Z"',
      ),
    );
    expect(data.created_at).toBe('2025-07-01T10:00:00.250Z');
    expect(data.deployment_runs[0].started_at).toBe('2025-07-01T10:00:00.250Z');
    expect(data.deployment_runs[0].ended_at).toBe('2025-07-19T03:00:00.5Z');
  });

  it('reads each time on its own: an unknown start zone does not throw away a readable end', () => {
    const { data, codes } = migrate(
      base(
        'status: "completed"\ndeployment_start_time: 2025-07-19 09:00:00 XYZ\ndeployment_end_time: 2025-07-19 11:00:00 +08\n',
      ),
    );
    expect(data.deployment_runs[0].started_at).toBe('2025-07-01T10:00:00Z');
    expect(data.deployment_runs[0].ended_at).toBe('2025-07-19T03:00:00Z');
    expect(codes).toEqual(['time-fallback deployment_start_time']);
  });

  it.each(['""', 'null', '2025-07-19', '1752914400', '"  "', 'soon'])(
    'a start and an end time %s fall back instead of refusing',
    (value) => {
      const { data } = migrate(base(`deployment_start_time: ${value}\ndeployment_end_time: ${value}\n`));
      expect(data.deployment_runs[0].started_at).toBe('2025-07-01T10:00:00Z');
      expect(data.deployment_runs[0].ended_at).toBeNull();
      if (value !== 'null')
        expect(data.deployment_runs[0].source_timing.deployment_start_time).toBe(value.replace(/^"|"$/g, ''));
    },
  );

  it('knows CDT and GST, and says which zone it does not know', () => {
    expect(ZONE_OFFSETS.CDT).toBe(-300);
    expect(ZONE_OFFSETS.GST).toBe(240);
    expect(toUtc('2025-07-19 13:30:00 CDT')).toBe('2025-07-19T18:30:00Z');
    expect(toUtc('2025-07-19 07:00:00 GST')).toBe('2025-07-19T03:00:00Z');
    expect(readTime('2025-07-19 07:00:00 CST')).toEqual({ unreadable: 'unknown-zone', zone: 'CST' });
  });

  it('an unreadable updated_at or created_at is carried verbatim and a fallback stands in', () => {
    const { data } = migrate(
      base('phases:\n  install_k0s: {status: "completed", updated_at: "yesterday"}\n').replace(
        '"2025-07-01T10:00:00Z"',
        '"2025-07-01"',
      ),
    );
    expect(data.phases.install_k0s.updated_at).toBe('2025-07-19T12:00:00Z');
    expect(data.created_at).toBe('2025-07-19T12:00:00Z');
    expect(data.unrecognized).toEqual({
      'phases.install_k0s.updated_at': 'yesterday',
      created_at: '2025-07-01',
    });
  });

  it('the README lists exactly the zones of ZONE_OFFSETS (one list, in code)', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const line = /numeric offset or one of: ([A-Z, ]+?) \(/.exec(readme.replace(/\n\s*/g, ' '))?.[1] ?? '';
    expect(line.split(/,\s*/)).toEqual(Object.keys(ZONE_OFFSETS));
  });
});

describe('class 3: numbers v2 cannot hold are carried verbatim, never "output-invalid"', () => {
  it.each(['0', '-1', '100000000000000000000', '"0"', '51846.5', '"abc"'])('wireguard_port: %s', (port) => {
    const { data, text, codes } = migrate(
      base('', `config: {controller_count: 1, worker_count: 1, wireguard_port: ${port}}`),
    );
    expect(data.config.wireguard_port).toBeNull();
    expect(text).toContain(`config.wireguard_port: ${port}\n`);
    expect(codes).toContain('value-carried config.wireguard_port');
  });

  it.each(['-1', '"-2"', '1.5', '9007199254740993', '"many"'])(
    'controller_count: %s is carried, left out',
    (count) => {
      const { data, text } = migrate(base('', `config: {controller_count: ${count}, worker_count: 1}`));
      expect(data.config).not.toHaveProperty('controller_count');
      expect(text).toContain(`config.controller_count: ${count}\n`);
    },
  );

  it('a quoted exit code past 2^53 keeps its digits (the run still failed)', () => {
    const { data, text } = migrate(base('error_exit_code: "18446744073709551617"\n'));
    expect(data.deployment_runs[0].outcome).toBe('failed');
    expect(data.deployment_runs[0].error).toEqual({});
    expect(text).toContain('error_exit_code: "18446744073709551617"\n');
    expect(text).not.toContain('18446744073709552000');
  });
});

describe('class 4: a v2 key name in a v1 file is an unknown key', () => {
  it('carries a hand-written migrations_applied to unrecognized and records this migration alone', () => {
    const { data } = migrate(base('migrations_applied: [hand, written]\ncurrent_run_id: 7\n'));
    expect(data.unrecognized).toEqual({ migrations_applied: ['hand', 'written'], current_run_id: 7 });
    expect(data.migrations_applied).toHaveLength(1);
    expect(data.migrations_applied[0].id).toBe('v1-to-v2');
  });

  it('never puts a carried value over another one of the same name', () => {
    const { data } = migrate(base('"config.wireguard_port": "mine"\n', 'config: {wireguard_port: 0}'));
    expect(data.unrecognized).toEqual({ 'config.wireguard_port': 0, 'config.wireguard_port (2)': 'mine' });
  });
});

describe('class 5: comments', () => {
  const input = readFileSync(
    join(repoRoot, 'fixtures/migrations/comments-pruned-and-headers/input.yaml'),
    'utf8',
  );

  it('says which comments stay only in the backup', () => {
    const { result } = migrate(input);
    const lost = result.warnings.filter((w) => w.code === 'comment-in-backup-only');
    expect(lost.map((w) => [w.path, w.message])).toEqual([
      [
        'wg_keys_generated',
        'the comment "# Progress flags" headed wg_keys_generated, k0s_config_generated, which now live in different v2 sections: it stays only in the backup',
      ],
      [
        'kof_mothership_installed',
        'the comment "# KOF was tried once and dropped" on kof_mothership_installed has no place in the new file (its key was dropped or replaced): it stays only in the backup',
      ],
      [
        'kof_mothership_installed',
        'the comment "# stale since the KOF rollback" on kof_mothership_installed has no place in the new file (its key was dropped or replaced): it stays only in the backup',
      ],
      [
        'deployment_flags_kof',
        'the comment "# old flat flag" on deployment_flags_kof has no place in the new file (its key was dropped or replaced): it stays only in the backup',
      ],
    ]);
  });

  it('puts a dissolved section header above the v2 section that took the whole section', () => {
    const { text } = migrate(input);
    expect(text).toMatch(/\n# Azure resources\ninfrastructure_facts:\n/);
    expect(text).not.toMatch(/resource_group:\n\s+# Azure resources/);
    expect(text).not.toContain('# Progress flags');
  });

  it('keeps a comment that is a key’s own with its key, and never prints a key in a comment', () => {
    const { text, result } = migrate(
      base(
        '# VM facts\nvm_states: {}\nwg_vpn_connected: true\n# private_key was ETdxfX8RA6ZRD9m2rl4jqPIWu8gRa3mgT2d+VSleg+4=\nkof_x: 1\n',
      ),
    );
    expect(text).toMatch(/ {4}# VM facts\n {4}vm_details: \{\}/);
    const warning = result.warnings.find((w) => w.code === 'comment-in-backup-only');
    expect(warning?.message).toContain('<redacted>');
    expect(warning?.message).not.toContain('ETdxfX8RA6ZRD9m2rl4jqPIWu8gRa3mgT2d');
  });
});

describe('class 6: an invalid wireguard_network is a warning, not a silent skip', () => {
  const input = readFileSync(join(repoRoot, 'fixtures/migrations/network-invalid/input.yaml'), 'utf8');
  const message =
    'config.wireguard_network "172.24.24.0/33" is not a valid IPv4 network (each part 0-255, a prefix of at most 32), so peer IPs are not checked against it; correct it, e.g. 172.24.24.0/24';

  it('is said when validating the v1 file, in the migration report, and when validating the v2 file', () => {
    const v1 = validateParsed(parseState(input)).problems;
    expect(v1.map((p) => [p.severity, p.code, p.message])).toEqual([
      ['warning', 'wireguard-network-invalid', message],
    ]);
    const { result, output } = migrate(input);
    expect(result.warnings.map((w) => w.code)).toEqual(['wireguard-network-invalid']);
    expect(validateParsed(output).problems.map((p) => p.message)).toEqual([message]);
  });

  it('a wireguard_network that is not of the form at all is carried', () => {
    const { data, codes } = migrate(base('', 'config: {wireguard_network: "the office one"}'));
    expect(data.config).not.toHaveProperty('wireguard_network');
    expect(data.unrecognized).toEqual({ 'config.wireguard_network': 'the office one' });
    expect(codes).toEqual(['value-carried config.wireguard_network']);
  });
});

describe('readTime of RFC 3339 UTC text', () => {
  // A leading space skips the quick path for canonical UTC text, so the two paths can be compared.
  const slow = (text: string) => readTime(` ${text}`);
  it('reads as the full path does, on every month, day and edge of the clock', () => {
    const texts: string[] = [];
    for (const year of ['0999', '1000', '1900', '2000', '2023', '2024', '9999']) {
      for (let month = 0; month <= 13; month++) {
        for (const day of [0, 1, 28, 29, 30, 31, 32]) {
          for (const time of ['00:00:00', '23:59:59', '23:59:60', '24:00:00', '12:60:00', '12:30:45.250']) {
            texts.push(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T${time}Z`);
          }
        }
      }
    }
    for (const text of texts) expect(readTime(text), text).toEqual(slow(text));
  });
});

describe('isReadableTime, readTime without the UTC text', () => {
  it('says yes exactly when readTime reads the text, over zones, offsets, fractions and edges', () => {
    const texts: string[] = [
      '',
      'now',
      '2025-07-19',
      '1752900000',
      '2025-07-19T14:36:43',
      ' 2025-07-19 14:36:43 +08 ',
    ];
    for (const date of [
      '2024-02-29',
      '2025-02-29',
      '2100-02-29',
      '2000-02-29',
      '2025-04-31',
      '2025-12-31',
      '2025-06-15',
      '2025-13-01',
      '2025-00-10',
      '2025-01-00',
      '0999-01-01',
      '0100-01-01',
      '0099-12-31',
      '0000-01-01',
      '9999-12-31',
    ]) {
      for (const time of [
        '00:00',
        '00:00:00',
        '14:36:43',
        '12:30:60',
        '23:59:59',
        '23:59:60',
        '23:58:60',
        '22:59:60',
        '24:00:00',
        '12:60:00',
        '12:30:61',
        '12:30:45.250',
      ]) {
        for (const zone of [
          '',
          'Z',
          ' Z',
          ' +08',
          ' -08',
          ' +00',
          ' +14',
          ' -14',
          ' +15',
          ' +99',
          '  +08',
          '+08',
          ' +0530',
          ' +05:30',
          ' +08:60',
          ' PST',
          ' pst',
          ' z',
          ' Utc',
          ' gmt',
          ' NZDT',
          ' HST',
          ' CST',
          ' XYZ',
          ' ABCDEF',
        ]) {
          texts.push(`${date} ${time}${zone}`, `${date}T${time}${zone}`);
        }
      }
    }
    let readable = 0;
    for (const text of texts) {
      const expected = readTime(text).utc !== undefined;
      if (expected) readable++;
      expect(isReadableTime(text), JSON.stringify(text)).toBe(expected);
    }
    // Both answers are exercised, and so is the deployer's own spelling (told from its digits).
    expect(readable).toBeGreaterThan(100);
    expect(texts.length - readable).toBeGreaterThan(100);
    const deployers = texts.filter((text) =>
      /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2} (?:[+-]\d{2}|[A-Za-z]{1,5})$/.test(text),
    );
    expect(deployers.length).toBeGreaterThan(500);
    expect(deployers.filter((text) => isReadableTime(text)).length).toBeGreaterThan(100);
  });
});

describe('plainlyFine, the quick pass before byKind', () => {
  it('passes only values byKind has nothing to say about', () => {
    const kinds = [
      'legacyBool',
      'text',
      'digits',
      'count',
      'port',
      'cidr',
      'timestamp',
      'timing',
      'durationSeconds',
      'exitCode',
      'peerRole',
      'infraFact',
      'vmState',
      'wireguardPeer',
      'phaseEntry',
      undefined,
    ];
    const values: unknown[] = [
      null,
      true,
      false,
      'true',
      '',
      'text',
      0,
      1,
      -1,
      1.5,
      65535,
      65536,
      2 ** 60,
      '42',
      '0051846',
      '51846',
      '65535',
      '65536',
      '0',
      '-0',
      '-5',
      '+5',
      '1.0',
      ' 42',
      '012345678901',
      '99999999999999999999',
      -0,
      0.5,
      Number.NaN,
      'hub',
      'worker',
      'boss',
      '2025-07-01T10:00:00Z',
      '2025-07-01T10:00:00.250Z',
      '2025-02-30T10:00:00Z',
      '2025-07-01 12:00:00 +02',
      '2025-07-01 12:00:00',
      '2025-07-01 12:00:00 CST',
      '10.0.0.0/24',
      '172.24.24.0/24',
      '300.1.1.1/24',
      '10.0.0.0/8 ',
      '10.0.0/24',
      {},
      [],
      { a: 1 },
    ];
    let passed = 0;
    for (const kind of kinds) {
      for (const value of values) {
        if (!plainlyFine(kind, value)) continue;
        passed++;
        const found = new Findings();
        byKind(found, kind, value, ['config', 'key']);
        expect(found.list, `${kind} ${JSON.stringify(value)}`).toEqual([]);
      }
    }
    // The quick pass is taken for the common values (not a check that passes nothing).
    expect(passed).toBeGreaterThan(20);
  });
});
