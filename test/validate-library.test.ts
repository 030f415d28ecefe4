// Unit tests of the library behind `validate`: decoding, parsing, version detection, positions,
// schema problems, invariants, IPv4 helpers, sizes; and the CLI's --format json and --schema.
import { readFileSync } from 'node:fs';
import { BlockList, isIPv4 } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, formatStateError, ReadError, StateError, VersionError } from '../src/errors.js';
import { decodeStateBytes } from '../src/parse/decode.js';
import { detectVersion, MAX_ALIAS_COUNT, NotAStateError, parseState } from '../src/parse/parse.js';
import { DEFAULT_MAX_BYTES, formatBytes, parseSize } from '../src/read/read-file.js';
import { v1Warnings, v2Invariants } from '../src/validate/invariants.js';
import { parseCidr } from '../src/validate/ipv4.js';
import { locate, pointerSegments, toPointer } from '../src/validate/positions.js';
import type { UnplacedProblem } from '../src/validate/problem.js';
import { quote } from '../src/validate/schema.js';
import { validateParsed } from '../src/validate/validate.js';
import { lines, repoRoot, runCli } from './helpers.js';

type Data = Record<string, unknown>;

const fixture = (path: string) => readFileSync(join(repoRoot, 'fixtures', path), 'utf8');

/** Runs `fn` and returns what it threw (failing the test when it throws nothing). */
function thrown(fn: () => unknown): StateError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StateError);
    return error as StateError;
  }
  throw new Error('expected an error, got none');
}

const codes = (problems: UnplacedProblem[]) => problems.map((problem) => problem.code);

describe('decodeStateBytes', () => {
  it('decodes UTF-8 with LF line endings', () => {
    expect(decodeStateBytes(Buffer.from('a: 1\nb: 2\n'))).toEqual({
      text: 'a: 1\nb: 2\n',
      bom: false,
      eol: '\n',
    });
  });

  it('strips a UTF-8 byte-order mark and remembers it', () => {
    const decoded = decodeStateBytes(Buffer.from('\ufeffa: 1\n', 'utf8'));
    expect(decoded.text).toBe('a: 1\n');
    expect(decoded.bom).toBe(true);
  });

  it('detects CRLF line endings (and LF when there is no line break)', () => {
    expect(decodeStateBytes(Buffer.from('a: 1\r\nb: 2\r\n')).eol).toBe('\r\n');
    expect(decodeStateBytes(Buffer.from('a: 1\r\nb: 2\r\n')).text).toBe('a: 1\r\nb: 2\r\n');
    expect(decodeStateBytes(Buffer.from('a: 1')).eol).toBe('\n');
    expect(decodeStateBytes(readFileSync(join(repoRoot, 'fixtures/v1/crlf.yaml'))).eol).toBe('\r\n');
  });

  it('keeps multi-byte UTF-8 text', () => {
    expect(decodeStateBytes(Buffer.from('deployer: "Jürgen 😀"\n')).text).toBe('deployer: "Jürgen 😀"\n');
  });

  it('refuses invalid UTF-8 with the offset, line and column of the first bad byte', () => {
    const bytes = Buffer.concat([
      Buffer.from('a: 1\nbb: "x'),
      Buffer.from([0xe2, 0x28, 0xa1]),
      Buffer.from('"\n'),
    ]);
    const error = thrown(() => decodeStateBytes(bytes, 'f.yaml'));
    expect(error).toBeInstanceOf(ReadError);
    expect(error.code).toBe('not-utf8');
    expect(error.exitCode).toBe(ExitCode.unreadable);
    expect(error.position).toEqual({ line: 2, col: 7 });
    expect(error.message).toBe(
      'byte 0xe2 at offset 11 is not valid UTF-8; the file must be UTF-8 text: convert it with iconv -t UTF-8',
    );
  });

  it('refuses a truncated multi-byte sequence at the end', () => {
    const error = thrown(() => decodeStateBytes(Buffer.from([0x61, 0x3a, 0x20, 0xc3])));
    expect(error.code).toBe('not-utf8');
    expect(error.message).toMatch(/^byte 0xc3 at offset 3 /);
  });

  it.each([
    ['LE', [0xff, 0xfe]],
    ['BE', [0xfe, 0xff]],
  ])('refuses UTF-16 %s', (_name, bom) => {
    const error = thrown(() => decodeStateBytes(Buffer.from([...bom, 0x61, 0x00])));
    expect(error.code).toBe('not-utf8');
    expect(error.message).toContain('UTF-16');
  });

  it('refuses a NUL byte with its position', () => {
    const error = thrown(() => decodeStateBytes(Buffer.from('a: 1\nb: x\0y\n')));
    expect(error.code).toBe('nul-byte');
    expect(error.position).toEqual({ line: 2, col: 5 });
  });

  it.each([
    ['empty', ''],
    ['white space', ' \n\t\r\n'],
    ['a BOM only', '\ufeff'],
  ])('refuses %s as an empty file', (_name, text) => {
    const error = thrown(() => decodeStateBytes(Buffer.from(text, 'utf8'), 'f.yaml'));
    expect(error.code).toBe('empty-file');
    expect(error.exitCode).toBe(3);
    expect(error.file).toBe('f.yaml');
  });
});

describe('parseState', () => {
  it('reads YAML 1.2: local times, yes/no and on/off stay strings', () => {
    const { data } = parseState(
      'deployment_id: x\nconfig: {}\ndeployment_start_time: 2025-07-19 14:36:43 +08\nwg_setup_method: yes\nflag: on\nn: 0o17\n',
    );
    expect(data.deployment_start_time).toBe('2025-07-19 14:36:43 +08');
    expect(data.wg_setup_method).toBe('yes');
    expect(data.flag).toBe('on');
    expect(data.n).toBe(15);
  });

  it('keeps comments in the Document', () => {
    const parsed = parseState(fixture('v1/comments.yaml'));
    const comments = parsed.text.split('\n').filter((line) => line.trimStart().startsWith('#'));
    expect(comments.length).toBeGreaterThan(1);
    const written = parsed.doc.toString();
    for (const comment of comments) expect(written).toContain(comment.trim());
  });

  it('reads the CRLF fixture like its LF twin would be read', () => {
    const text = fixture('v1/crlf.yaml');
    expect(text).toContain('\r\n');
    expect(parseState(text).data).toEqual(parseState(text.replace(/\r\n/g, '\n')).data);
  });

  it('allows a few aliases but refuses an alias bomb quickly, at the first alias', () => {
    const few = 'deployment_id: x\nbase: &b {a: 1}\nconfig: {one: *b, two: *b}\n';
    expect(parseState(few).data.config).toEqual({ one: { a: 1 }, two: { a: 1 } });
    const started = Date.now();
    const error = thrown(() => parseState(fixture('invalid/alias-bomb.yaml'), 'bomb.yaml'));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.code).toBe('alias-limit');
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain(String(MAX_ALIAS_COUNT));
    expect(error.position).toEqual({ line: 3, col: 8 });
  });

  it.each([
    [
      'a block key',
      'a: 1\nwg_keys_generated: true\nwg_keys_generated: false\n',
      'wg_keys_generated',
      { line: 3, col: 1 },
    ],
    ['a nested key', 'config:\n  port: 1\n  port: 2\n', 'port', { line: 3, col: 3 }],
    ['a flow key', 'a: {x: 1, x: 2}\n', 'x', { line: 1, col: 11 }],
    ['a quoted key', 'a:\n  q k: 1\n  "q k": 2\n', 'q k', { line: 3, col: 3 }],
  ])('names a duplicate key: %s', (_name, text, key, position) => {
    const error = thrown(() => parseState(text, 'f.yaml'));
    expect(error.code).toBe('duplicate-key');
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe(
      `duplicate key ${JSON.stringify(key)} in the same mapping; keep one of them and delete the other`,
    );
    expect(error.position).toEqual(position);
  });

  it.each([
    [
      'an over-indented key',
      'config:\n  worker_count: 1\n    wireguard_network: x\nz: 1\n',
      { line: 3, col: 5 },
      'is not valid YAML: this key is indented more than the key before it; align it with the other keys of its mapping',
    ],
    [
      'a key without a colon',
      'config:\n  worker_count 1\n  wireguard_network: x\nz: 1\n',
      { line: 2, col: 3 },
      "is not valid YAML: this line has no ': ' after its key, so it runs into the next line; write KEY: VALUE",
    ],
    [
      'an under-indented key',
      'config:\n  a: 1\n b: 2\n',
      { line: 3, col: 2 },
      'is not valid YAML: All mapping items must start at the same column; fix the syntax at this line',
    ],
    [
      'a tab as indentation',
      'config:\n\tazure: 1\n',
      { line: 2, col: 1 },
      'is not valid YAML: Tabs are not allowed as indentation; fix the syntax at this line',
    ],
  ])('places malformed YAML: %s', (_name, text, position, message) => {
    const error = thrown(() => parseState(text, 'f.yaml'));
    expect(error.code).toBe('yaml-syntax');
    expect(error.exitCode).toBe(3);
    expect(error.position).toEqual(position);
    expect(error.message).toBe(message);
  });

  it('refuses a second YAML document', () => {
    const error = thrown(() => parseState('deployment_id: x\nconfig: {}\n---\nother: 1\n'));
    expect(error.code).toBe('multiple-documents');
    expect(error.exitCode).toBe(3);
  });

  it.each([
    ['a list', '- a\n- b\n', 'top level is a list'],
    ['a string', 'just text\n', 'top level is a string'],
    ['a number', '42\n', 'top level is a number'],
  ])('refuses a root that is %s (exit 1)', (_name, text, message) => {
    const error = thrown(() => parseState(text));
    expect(error).toBeInstanceOf(NotAStateError);
    expect(error.code).toBe('root-not-mapping');
    expect(error.exitCode).toBe(ExitCode.invalid);
    expect(error.message).toContain(message);
  });

  it('refuses a file of comments only (exit 3)', () => {
    const error = thrown(() => parseState('# only\n# comments\n'));
    expect(error.code).toBe('empty-file');
    expect(error.exitCode).toBe(3);
  });
});

describe('detectVersion', () => {
  const state = (extra: string) => parseState(`${extra}deployment_id: "x"\nconfig: {}\n`, 'f.yaml');

  it('is 1 without schema_version, 2 with schema_version: 2', () => {
    expect(detectVersion(state(''))).toBe(1);
    expect(detectVersion(state('schema_version: 2\n'))).toBe(2);
    expect(detectVersion(state('schema_version: 1\n'))).toBe(1);
  });

  it('refuses a newer version (exit 4), naming both versions, at the key', () => {
    const error = thrown(() => detectVersion(state('# c\nschema_version: 3\n')));
    expect(error).toBeInstanceOf(VersionError);
    expect(error.exitCode).toBe(ExitCode.newerVersion);
    expect(error.message).toBe('schema_version 3 is newer than this tool knows (2); upgrade k0rdent-state');
    expect(error.position).toEqual({ line: 2, col: 1 });
  });

  it.each([
    ['"2"', 'write schema_version: 2 without quotes'],
    ['2.5', 'use 2, or remove the key for a v1 file'],
    ['0', 'use 2, or remove the key for a v1 file'],
    ['null', 'use 2, or remove the key for a v1 file'],
    ['v2', 'use 2, or remove the key for a v1 file'],
  ])('refuses schema_version: %s (exit 1)', (value, hint) => {
    const error = thrown(() => detectVersion(state(`schema_version: ${value}\n`)));
    expect(error.code).toBe('bad-schema-version');
    expect(error.exitCode).toBe(ExitCode.invalid);
    expect(error.message).toContain(hint);
  });

  it.each([
    [
      'the events file',
      fixture('invalid/events-file.yaml'),
      'no deployment_id and no config (it looks like deployment-events.yaml)',
    ],
    [
      'a k0rdent config',
      fixture('invalid/k0rdent-config.yaml'),
      'no deployment_id and no config (a k0rdent configuration file?)',
    ],
    ['a file without config', 'deployment_id: x\ncreated_at: "2025-12-03T09:12:44Z"\n', 'no config;'],
    ['a file without deployment_id', 'config: {}\ncreated_at: "2025-12-03T09:12:44Z"\n', 'no deployment_id;'],
  ])('refuses %s as not a state file (exit 1), at the top-level mapping', (_name, text, message) => {
    const error = thrown(() => detectVersion(parseState(text)));
    expect(error.code).toBe('not-a-state-file');
    expect(error.exitCode).toBe(ExitCode.invalid);
    expect(error.message).toContain(message);
    expect(error.message).toContain('pass state/deployment-state.yaml');
    const firstKeyLine = text.split('\n').findIndex((line) => !line.startsWith('#')) + 1;
    expect(error.position).toEqual({ line: firstKeyLine, col: 1 });
  });
});

describe('locate', () => {
  const text = [
    '# comment',
    'deployment_id: "x"',
    'config:',
    '  wireguard_port: "51846"',
    '  nested:',
    '    - a',
    '    - {b: 2}',
    'runs:',
    '  - run_id: r1',
    '  - run_id: r2',
    '"a/b~c": 1',
    '',
  ].join('\n');
  const parsed = parseState(text);
  const at = (pointer: string, atKey = false) => {
    const { line, col } = locate(parsed.doc, parsed.lineCounter, pointer, atKey);
    return `${line}:${col}`;
  };

  it('finds nested values, including inside lists and flow maps', () => {
    expect(at('/config/wireguard_port')).toBe('4:19');
    expect(at('/config/nested/0')).toBe('6:7');
    expect(at('/config/nested/1/b')).toBe('7:11');
    expect(at('/runs/1/run_id')).toBe('10:13');
  });

  it('gives the end of the value too', () => {
    expect(locate(parsed.doc, parsed.lineCounter, '/config/wireguard_port')).toEqual({
      line: 4,
      col: 19,
      endLine: 4,
      endCol: 26,
    });
  });

  it('finds a key with atKey (unknown keys, phase names)', () => {
    expect(at('/config/wireguard_port', true)).toBe('4:3');
    expect(at('/runs/1', true)).toBe('10:5');
  });

  it("falls back to the deepest existing node: a missing key's parent mapping", () => {
    expect(at('/config/missing')).toBe('4:3');
    expect(at('/missing')).toBe('2:1');
    expect(at('/runs/5')).toBe('9:3');
    expect(at('')).toBe('2:1');
  });

  it('unescapes ~0 and ~1 in pointers', () => {
    expect(pointerSegments('/a~1b~0c')).toEqual(['a/b~c']);
    expect(toPointer(['a/b~c', 0])).toBe('/a~1b~0c/0');
    expect(at(toPointer(['a/b~c']))).toBe('11:10');
  });
});

describe('validateParsed', () => {
  const v1 = fixture('v1/e5-deployer.yaml');

  it('returns every problem, in source order, each placed and explained', () => {
    const text = v1
      .replace('wg_vpn_connected: true', 'wg_vpn_connected: "maybe"')
      .replace('wireguard_port: "51846"', 'wireguard_port: "abc"')
      .replace(/^created_at: .*\n/m, '');
    expect(text).not.toBe(v1);
    const result = validateParsed(parseState(text, 'f.yaml'));
    expect(result.version).toBe(1);
    expect(result.valid).toBe(false);
    // Carry, don't block (issue 15): a missing created_at and a port that is no port are
    // warnings the migration carries; only the boolean of unknown meaning is an error.
    expect(result.problems.map((p) => [p.severity, p.code, p.pointer])).toEqual([
      ['warning', 'value-unset', ''],
      ['warning', 'value-carried', '/config/wireguard_port'],
      ['error', 'schema-enum', '/wg_vpn_connected'],
    ]);
    const sorted = [...result.problems].sort((a, b) => a.line - b.line || a.col - b.col);
    expect(result.problems).toEqual(sorted);
    const lineOf = (needle: string) => text.split('\n').findIndex((line) => line.includes(needle)) + 1;
    const maybe = result.problems[2];
    expect(maybe?.line).toBe(lineOf('wg_vpn_connected'));
    expect(maybe?.col).toBe('wg_vpn_connected: '.length + 1);
    expect(maybe?.message).toBe(
      'wg_vpn_connected is "maybe", allowed: true, false, "true", "false", or null (not set)',
    );
    expect(result.problems[1]?.message).toContain('"abc"');
  });

  it('accepts the legacy spellings of v1 (quoted numbers, "true"/"false", vm_states: \'{}\')', () => {
    const result = validateParsed(parseState(fixture('v1/e0-strings.yaml')));
    expect(result.problems).toEqual([]);
  });

  it('says what the migration does with a port that is a float (carried, the port null)', () => {
    const result = validateParsed(
      parseState(v1.replace('wireguard_port: "51846"', 'wireguard_port: 51846.5')),
    );
    expect(result.valid).toBe(true);
    expect(result.problems.map((p) => p.message)).toEqual([
      'config.wireguard_port is the number 51846.5, not a UDP port (1-65535): carried verbatim to unrecognized."config.wireguard_port"; config.wireguard_port is null',
    ]);
  });

  it('never quotes a private key', () => {
    const text = fixture('v2/mid-run.yaml').replace(
      'private_key: "rdXHoJGJnjCSkv0dO8C/7ZgZXj24iEg0Y9MOW1FC0pM="',
      'private_key: 12345678901',
    );
    const result = validateParsed(parseState(text));
    expect(result.problems.map((p) => p.code)).toEqual(['schema-type']);
    expect(result.problems[0]?.message).toContain('<redacted>');
    expect(result.problems[0]?.message).not.toContain('12345678901');
    expect(quote('secret', '/wireguard_config/peers/a/private_key')).toBe('<redacted>');
    expect(quote('x'.repeat(100))).toHaveLength(61);
  });

  it('keeps warnings as warnings, and strict makes them errors', () => {
    const parsed = parseState(fixture('invalid/v2-ended-before-started.yaml'));
    const lenient = validateParsed(parsed);
    expect(lenient.valid).toBe(true);
    expect(lenient.problems.map((p) => [p.severity, p.code])).toEqual([['warning', 'ended-before-started']]);
    const strict = validateParsed(parsed, { strict: true });
    expect(strict.valid).toBe(false);
    expect(strict.problems.map((p) => [p.severity, p.code])).toEqual([['error', 'ended-before-started']]);
  });

  it('checks against a forced version', () => {
    const parsed = parseState(fixture('v2/fresh.yaml'));
    expect(validateParsed(parsed).valid).toBe(true);
    const forced = validateParsed(parsed, { version: 1 });
    expect(forced.version).toBe(1);
    expect(forced.problems.map((p) => [p.code, p.pointer, `${p.line}:${p.col}`])).toEqual([
      ['schema-const', '/schema_version', '1:17'],
    ]);
  });
});

describe('v2 invariants', () => {
  const base = parseState(fixture('v2/several-runs.yaml')).data;
  const fresh = () => structuredClone(base) as Data & { deployment_runs: Data[]; phases: Data };

  it('finds nothing in a valid file', () => {
    expect(v2Invariants(fresh())).toEqual([]);
    expect(fresh().deployment_runs.length).toBeGreaterThan(1);
  });

  it('current-run-missing (and null is fine)', () => {
    const data = fresh();
    data.current_run_id = 'nope';
    expect(v2Invariants(data)).toEqual([
      {
        severity: 'error',
        code: 'current-run-missing',
        pointer: '/current_run_id',
        message:
          'current_run_id "nope" names no run in deployment_runs; set it to an existing run_id or null',
      },
    ]);
    data.current_run_id = null;
    expect(v2Invariants(data)).toEqual([]);
  });

  it('duplicate-run-id, on the second run', () => {
    const data = fresh();
    data.deployment_runs[2] = { ...data.deployment_runs[2], run_id: data.deployment_runs[0]?.run_id };
    data.current_run_id = data.deployment_runs[0]?.run_id;
    const problems = v2Invariants(data);
    expect(codes(problems)).toEqual(['duplicate-run-id']);
    expect(problems[0]?.pointer).toBe('/deployment_runs/2/run_id');
    expect(problems[0]?.message).toContain('runs 0 and 2');
  });

  it('multiple-in-progress-runs', () => {
    const data = fresh();
    for (const run of data.deployment_runs) run.outcome = 'in_progress';
    const problems = v2Invariants(data);
    expect(codes(problems)).toEqual(['multiple-in-progress-runs', 'multiple-in-progress-runs']);
    expect(problems.map((p) => p.pointer)).toEqual([
      '/deployment_runs/1/outcome',
      '/deployment_runs/2/outcome',
    ]);
  });

  it('ended-before-started is a warning; equal times are fine', () => {
    const data = fresh();
    const run = data.deployment_runs[0] as Data;
    run.ended_at = run.started_at;
    expect(v2Invariants(data)).toEqual([]);
    run.ended_at = '2000-01-01T00:00:00Z';
    expect(v2Invariants(data).map((p) => [p.severity, p.code, p.pointer])).toEqual([
      ['warning', 'ended-before-started', '/deployment_runs/0/ended_at'],
    ]);
  });

  it('unknown-phase, in the live map and in a run, at the key', () => {
    const data = fresh();
    data.phases.install_k0rdnet = { status: 'pending', updated_at: '2025-12-01T08:03:17Z' };
    (data.deployment_runs[1]?.phases as Data).warp_drive = { status: 'pending' };
    const problems = v2Invariants(data);
    expect(problems.map((p) => [p.severity, p.code, p.pointer, p.atKey])).toEqual([
      ['error', 'unknown-phase', '/deployment_runs/1/phases/warp_drive', true],
      ['error', 'unknown-phase', '/phases/install_k0rdnet', true],
    ]);
  });

  it('phase-not-applicable for live phases only (run history may keep them)', () => {
    const data = fresh();
    expect(Object.keys(data.phases)).toContain('install_kof_mothership');
    data.deployment_flags = { azure_children: false, kof: false };
    const problems = v2Invariants(data);
    expect(problems.map((p) => [p.code, p.pointer])).toEqual([
      ['phase-not-applicable', '/phases/install_azure_csi'],
      ['phase-not-applicable', '/phases/install_kof_mothership'],
      ['phase-not-applicable', '/phases/install_kof_regional'],
    ]);
    expect(problems[1]?.message).toBe(
      'phase "install_kof_mothership" does not apply because deployment_flags.kof is false; remove it from phases or set the flag to true',
    );
    data.phases.setup_azure_children = { status: 'pending', updated_at: '2025-12-01T08:03:17Z' };
    expect(codes(v2Invariants({ ...data, deployment_flags: { azure_children: false, kof: true } }))).toEqual([
      'phase-not-applicable',
    ]);
    expect(v2Invariants({ ...data, deployment_flags: { azure_children: true, kof: true } })).toEqual([]);
  });

  it('peer IPs: invalid, duplicated, outside the network (warnings); /32 suffix allowed', () => {
    const data = fresh();
    data.config = { ...(data.config as Data), wireguard_network: '172.24.24.0/24' };
    const peer = (ip: string) => ({ ip, role: 'worker', public_key: 'k' });
    data.wireguard_config = {
      ...(data.wireguard_config as Data),
      peers: {
        hub: peer('172.24.24.1'),
        a: peer('172.24.24.256'),
        b: peer('172.24.24.1/32'),
        c: peer('10.0.0.1'),
        d: peer('172.24.24.012'),
        e: peer('172.24.24.255'),
      },
    };
    expect(v2Invariants(data).map((p) => [p.severity, p.code, p.pointer])).toEqual([
      ['warning', 'peer-ip-invalid', '/wireguard_config/peers/a/ip'],
      ['warning', 'peer-ip-duplicate', '/wireguard_config/peers/b/ip'],
      ['warning', 'peer-ip-outside-network', '/wireguard_config/peers/c/ip'],
      ['warning', 'peer-ip-invalid', '/wireguard_config/peers/d/ip'],
    ]);
  });

  it('v1 files get the peer warnings too', () => {
    const data = parseState(fixture('v1/large-peers.yaml')).data;
    const problems = v1Warnings(data);
    expect(problems.length).toBeGreaterThan(0);
    expect(new Set(codes(problems))).toEqual(new Set(['peer-ip-invalid']));
    expect(problems.every((p) => p.severity === 'warning')).toBe(true);
  });
});

describe('IPv4 helpers', () => {
  // The validator takes addresses by node:net isIPv4: these pin that it agrees with what was promised.
  it('isIPv4', () => {
    expect(isIPv4('0.0.0.0')).toBe(true);
    expect(isIPv4('172.24.24.1')).toBe(true);
    expect(isIPv4('255.255.255.255')).toBe(true);
    for (const bad of [
      '172.24.24.256',
      '256.0.0.1',
      '01.2.3.4',
      '1.2.3.04',
      '1.2.3',
      '1.2.3.4.5',
      '',
      'a.b.c.d',
      ' 1.2.3.4',
      '1.2.3.4/32',
      '-1.2.3.4',
    ]) {
      expect(isIPv4(bad), bad).toBe(false);
    }
  });

  it('parseCidr and BlockList.check', () => {
    const net = parseCidr('172.24.24.0/24');
    expect(net).toBeDefined();
    if (!net) return;
    // Parsed once and shared: only check is handed out, so no caller can add to the network.
    expect(parseCidr('172.24.24.0/24')).toBe(net);
    expect(Object.keys(net)).toEqual(['check']);
    const inside = (ip: string) => net.check(ip, 'ipv4');
    expect(inside('172.24.24.0')).toBe(true);
    expect(inside('172.24.24.255')).toBe(true);
    expect(inside('172.24.25.0')).toBe(false);
    expect(inside('172.24.23.255')).toBe(false);
    // A base with host bits set still means its whole network.
    const loose = parseCidr('172.24.24.77/24');
    expect(loose?.check('172.24.24.1', 'ipv4')).toBe(true);
    const all = parseCidr('0.0.0.0/0');
    expect(all?.check('8.8.8.8', 'ipv4')).toBe(true);
    const host = parseCidr('10.0.0.1/32');
    expect(host?.check('10.0.0.1', 'ipv4')).toBe(true);
    expect(host?.check('10.0.0.2', 'ipv4')).toBe(false);
    for (const bad of ['172.24.24.0', '172.24.24.0/33', '172.24.24.0/', '172.24.24.256/24', '1.2.3.4/24/1']) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });

  it('parseCidr edge cases (pinned before the switch to node:net)', () => {
    for (const bad of [
      '172.024.24.0/24',
      '01.2.3.4/8',
      'a.b.c.d/',
      'a.b.c.d/8',
      '1.2.3.4/ 8',
      '1.2.3.4/-1',
      '1.2.3.4/8 ',
      ' 1.2.3.4/8',
      '1.2.3.4/8\n',
      '1.2.3.4/100',
      '1.2.3.4/032',
      '1.2.3/8',
      '::1/128',
      '/8',
      '',
    ]) {
      expect(parseCidr(bad), JSON.stringify(bad)).toBeUndefined();
    }
    // A prefix of two digits with a leading zero is taken as its number.
    const padded = parseCidr('10.0.0.0/08');
    expect(padded?.check('10.255.0.1', 'ipv4')).toBe(true);
    expect(padded?.check('11.0.0.1', 'ipv4')).toBe(false);
    const edge = parseCidr('192.168.100.0/24');
    expect(edge?.check('192.168.100.255', 'ipv4')).toBe(true);
    expect(edge?.check('192.168.101.0', 'ipv4')).toBe(false);
    const top = parseCidr('255.255.255.255/32');
    expect(top?.check('255.255.255.255', 'ipv4')).toBe(true);
    for (const bad of ['1.2.3.4\n', '1.2.3.4 ', '0x1.2.3.4', '00.0.0.0', '1.2.3.-0', '１.2.3.4']) {
      expect(isIPv4(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('a parsed network remembers its answers', () => {
  it('answers as a fresh BlockList does, the first time and every time after', () => {
    const networks = [
      '172.24.24.0/24',
      '172.24.24.77/24',
      '10.0.0.0/8',
      '10.0.0.1/32',
      '0.0.0.0/0',
      '192.168.100.0/30',
    ];
    const addresses: string[] = [];
    for (const a of ['172.24.24', '172.24.25', '10.0.0', '10.255.255', '192.168.100', '8.8.8']) {
      for (const last of [0, 1, 2, 3, 4, 11, 77, 254, 255]) addresses.push(`${a}.${last}`);
    }
    for (const text of networks) {
      const [base, prefix] = text.split('/') as [string, string];
      const fresh = new BlockList();
      fresh.addSubnet(base, Number(prefix), 'ipv4');
      const net = parseCidr(text);
      for (let round = 0; round < 3; round++) {
        for (const address of addresses) {
          expect(net?.check(address, 'ipv4'), `${text} ${address} (round ${round})`).toBe(
            fresh.check(address, 'ipv4'),
          );
        }
      }
    }
  });
});

describe('sizes', () => {
  it.each([
    ['1k', 1024],
    ['512k', 512 * 1024],
    ['16MiB', 16 * 1024 * 1024],
    ['16mb', 16 * 1024 * 1024],
    [' 3 M ', 3 * 1024 * 1024],
    ['1.5k', 1536],
    ['2G', 2 * 1024 ** 3],
    ['1048576', 1048576],
    ['100 bytes', 100],
    ['7b', 7],
  ])('parseSize(%j) is %i', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['bogus', '', '-1', '1x', '1e3', 'k', '1.2.3k'])('parseSize(%j) is undefined', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });

  it('formatBytes and the default cap', () => {
    expect(DEFAULT_MAX_BYTES).toBe(16 * 1024 * 1024);
    expect(formatBytes(DEFAULT_MAX_BYTES)).toBe('16 MiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(100)).toBe('100 bytes');
  });
});

describe('formatStateError', () => {
  it('is FILE:LINE:COL: error: MESSAGE [code], on one line', () => {
    const error = new ReadError('yaml-syntax', 'bad\n  thing', {
      file: 'f.yaml',
      position: { line: 2, col: 3 },
    });
    expect(formatStateError(error)).toBe('f.yaml:2:3: error: bad thing [yaml-syntax]');
    expect(formatStateError(new ReadError('empty-file', 'is empty', { file: 'f.yaml' }))).toBe(
      'f.yaml: error: is empty [empty-file]',
    );
  });
});

describe('validate --format json', () => {
  it('gives the same findings as data', async () => {
    const files = [
      'fixtures/v2/fresh.yaml',
      'fixtures/invalid/v1-legacy-bool-maybe.yaml',
      'fixtures/invalid/v2-peer-ips.yaml',
      'fixtures/invalid/duplicate-keys.yaml',
    ];
    const result = await runCli(['validate', '--format', 'json', ...files]);
    expect(result.code).toBe(3);
    expect(result.err).toBe('');
    const report = JSON.parse(result.out) as { valid: boolean; files: Data[] };
    expect(Object.keys(report)).toEqual(['valid', 'files']);
    expect(report.valid).toBe(false);
    expect(report.files.map((f) => [f.file, f.version, f.valid])).toEqual([
      ['fixtures/v2/fresh.yaml', 2, true],
      ['fixtures/invalid/v1-legacy-bool-maybe.yaml', 1, false],
      ['fixtures/invalid/v2-peer-ips.yaml', 2, true],
      ['fixtures/invalid/duplicate-keys.yaml', null, false],
    ]);
    expect(report.files[0]?.problems).toEqual([]);
    expect(report.files[0]).not.toHaveProperty('error');
    expect(report.files[1]?.problems).toEqual([
      {
        severity: 'error',
        code: 'schema-enum',
        message: 'wg_vpn_connected is "maybe", allowed: true, false, "true", "false", or null (not set)',
        pointer: '/wg_vpn_connected',
        line: 25,
        col: 19,
        endLine: 25,
        endCol: 26,
      },
    ]);
    expect(((report.files[2]?.problems ?? []) as Data[]).map((p) => [p.severity, p.code])).toEqual([
      ['warning', 'peer-ip-outside-network'],
      ['warning', 'peer-ip-duplicate'],
      ['warning', 'peer-ip-invalid'],
    ]);
    expect(report.files[3]).toEqual({
      file: 'fixtures/invalid/duplicate-keys.yaml',
      version: null,
      valid: false,
      problems: [],
      error: {
        code: 'duplicate-key',
        message:
          'fixtures/invalid/duplicate-keys.yaml:26:1: error: duplicate key "wg_keys_generated" in the same mapping; keep one of them and delete the other [duplicate-key]',
        line: 26,
        col: 1,
        exitCode: 3,
      },
    });
  });

  it('has the same problems as the text output', async () => {
    const file = 'fixtures/invalid/v1-peer-ips.yaml';
    const json = JSON.parse((await runCli(['validate', '--format', 'json', file])).out) as {
      files: Array<{
        problems: Array<{
          line: number;
          col: number;
          severity: string;
          message: string;
          code: string;
          pointer: string;
        }>;
      }>;
    };
    const text = lines((await runCli(['validate', file])).out);
    expect(text).toEqual(
      json.files[0]?.problems.map(
        (p) => `${file}:${p.line}:${p.col}: ${p.severity}: ${p.message} [${p.code}] (at ${p.pointer})`,
      ),
    );
  });
});

describe('validate --schema', () => {
  it('--schema v1 forces the v1 schema on a v2 file', async () => {
    const result = await runCli(['validate', '--schema', 'v1', 'fixtures/v2/fresh.yaml']);
    expect(lines(result.out)).toEqual([
      'fixtures/v2/fresh.yaml:1:17: error: schema_version is 2, must be 1 [schema-const] (at /schema_version)',
    ]);
    expect(result.code).toBe(1);
  });

  it('--schema v2 on a v1 file reports what v2 requires', async () => {
    const result = await runCli(['validate', '--schema', 'v2', 'fixtures/v1/e5-deployer.yaml']);
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      'fixtures/v1/e5-deployer.yaml:2:1: error: the top level has no "schema_version"; add it (it is required) [schema-required] (at /schema_version)',
    );
    expect(result.out).toContain('[schema-unknown-key] (at /wg_vpn_connected)');
  });

  it('--schema v2 on a v2 file is the same as no flag', async () => {
    const forced = await runCli(['validate', '--schema', 'v2', 'fixtures/v2/several-runs.yaml']);
    const detected = await runCli(['validate', 'fixtures/v2/several-runs.yaml']);
    expect(forced).toEqual(detected);
    expect(forced.code).toBe(0);
  });

  it('--require-latest passes a v2 file', async () => {
    const result = await runCli(['validate', '--require-latest', 'fixtures/v2/fresh.yaml']);
    expect(result.out).toBe('');
    expect(result.code).toBe(0);
  });
});
