// The CI output formats of `validate` and `migrate --check`: GitHub workflow commands and JUnit
// XML against golden files (fixtures/formats/), SARIF 2.1.0 against a schema of the subset we
// write, and each format's escaping rules.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  annotation,
  type CheckRun,
  escapeData,
  escapeProperty,
  escapeXmlAttribute,
  escapeXmlText,
  FINGERPRINT_KEY,
  RULES,
  renderGithub,
  renderJunit,
  renderSarif,
} from '../src/cli/formats/index.js';
import { lines, makeTempDir, removeTempDir, repoRoot, runCli } from './helpers.js';

const GOLDEN = join(repoRoot, 'fixtures', 'formats');

/** Inputs of the golden runs: errors, warnings, a file that is not YAML, a valid one, a missing one. */
const FILES = [
  'fixtures/invalid/v1-several-problems.yaml',
  'fixtures/invalid/v2-peer-ips.yaml',
  'fixtures/invalid/malformed-yaml.yaml',
  'fixtures/v2/fresh.yaml',
  'fixtures/formats/no-such-file.yaml',
];
const CHECK_FILES = [
  'fixtures/v1/e5-deployer.yaml',
  'fixtures/v2/fresh.yaml',
  'fixtures/invalid/malformed-yaml.yaml',
];

/** Timings differ from run to run; the goldens hold zero. */
const normalize = (text: string) => text.replace(/time="[0-9.]+"/g, 'time="0.000"');

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env.UPDATE_FIXTURES === '1' || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('--format github', () => {
  it('escapes data (%, CR, LF) and properties (also : and ,) as workflow commands require', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeProperty('dir: a,b/100%.yaml\n')).toBe('dir%3A a%2Cb/100%25.yaml%0A');
    const line = annotation('odd,dir:x/deployment-state.yaml', {
      severity: 'error',
      code: 'schema-enum',
      message: 'status is "a,b: 50%"\nsecond line',
      pointer: '/status',
      line: 3,
      col: 9,
      endLine: 3,
      endCol: 18,
    });
    expect(line).toBe(
      '::error file=odd%2Cdir%3Ax/deployment-state.yaml,line=3,col=9,endLine=3,endColumn=17,title=k0rdent-state schema-enum::status is "a,b: 50%25"%0Asecond line (at /status) [schema-enum]',
    );
    // One physical line whatever the message holds.
    expect(line.split('\n')).toHaveLength(1);
  });

  it('gives col/endColumn only for a one-line range, and no position for a whole-file problem', () => {
    const multi = annotation('f.yaml', {
      severity: 'warning',
      code: 'x',
      message: 'm',
      line: 2,
      col: 1,
      endLine: 38,
      endCol: 1,
    });
    expect(multi).toBe('::warning file=f.yaml,line=2,endLine=38,title=k0rdent-state x::m [x]');
    expect(annotation('f.yaml', { severity: 'error', code: 'file-not-found', message: 'no such file' })).toBe(
      '::error file=f.yaml,title=k0rdent-state file-not-found::no such file [file-not-found]',
    );
  });

  it('annotates at most 10 problems, errors first, then says how many more and lists them', () => {
    const run: CheckRun = {
      command: 'validate',
      files: [
        {
          file: 'a.yaml',
          valid: false,
          findings: [
            {
              severity: 'warning',
              code: 'peer-ip-invalid',
              message: 'w0',
              line: 1,
              col: 1,
              endLine: 1,
              endCol: 2,
            },
            ...Array.from({ length: 12 }, (_, i) => ({
              severity: 'error' as const,
              code: 'schema-type',
              message: `e${i}`,
              line: i + 2,
              col: 1,
              endLine: i + 2,
              endCol: 2,
            })),
          ],
        },
      ],
    };
    const out = lines(renderGithub(run));
    const annotations = out.filter((line) => line.startsWith('::'));
    expect(annotations).toHaveLength(10);
    expect(annotations.every((line) => line.startsWith('::error '))).toBe(true);
    expect(out[10]).toBe(
      'k0rdent-state: 3 more problems were not annotated (GitHub shows at most 10); the rest:',
    );
    expect(out.slice(11, 14)).toEqual([
      'a.yaml:12:1: error: e10 [schema-type]',
      'a.yaml:13:1: error: e11 [schema-type]',
      'a.yaml:1:1: warning: w0 [peer-ip-invalid]',
    ]);
    expect(out[14]).toBe('k0rdent-state validate: 1 file checked, 1 failed, 12 errors, 1 warning');
    expect(out).toHaveLength(15);
  });

  it('validate: matches fixtures/formats/validate.github.txt, exit code as for text', async () => {
    const result = await runCli(['validate', '--format', 'github', ...FILES]);
    expect(result.code).toBe(3);
    expect(result.err).toBe('');
    golden('validate.github.txt', result.out);
  });

  it('migrate --check: matches fixtures/formats/migrate-check.github.txt', async () => {
    const result = await runCli(['migrate', '--check', '--format', 'github', ...CHECK_FILES]);
    expect(result.code).toBe(3);
    golden('migrate-check.github.txt', result.out);
    expect(result.out).toContain(
      '::error file=fixtures/v1/e5-deployer.yaml,line=1,col=1,endLine=1,endColumn=1,title=k0rdent-state needs-migration::format v1 needs migrating to v2; run: k0rdent-state migrate fixtures/v1/e5-deployer.yaml [needs-migration]',
    );
  });
});

// The part of SARIF 2.1.0 this tool writes, with the properties GitHub code scanning reads.
const SARIF_SUBSET_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['$schema', 'version', 'runs'],
  properties: {
    $schema: { const: 'https://json.schemastore.org/sarif-2.1.0.json' },
    version: { const: '2.1.0' },
    runs: {
      type: 'array',
      minItems: 1,
      maxItems: 1,
      items: {
        type: 'object',
        required: ['tool', 'results', 'columnKind'],
        properties: {
          tool: {
            type: 'object',
            required: ['driver'],
            properties: {
              driver: {
                type: 'object',
                required: ['name', 'version', 'rules'],
                properties: {
                  name: { const: 'k0rdent-state' },
                  version: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+' },
                  semanticVersion: { type: 'string' },
                  rules: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['id', 'shortDescription', 'help', 'defaultConfiguration'],
                      properties: {
                        id: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
                        name: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$' },
                        shortDescription: {
                          type: 'object',
                          required: ['text'],
                          properties: { text: { type: 'string', minLength: 1, maxLength: 120 } },
                        },
                        fullDescription: { $ref: '#/$defs/message' },
                        help: { $ref: '#/$defs/message' },
                        defaultConfiguration: {
                          type: 'object',
                          required: ['level'],
                          properties: { level: { enum: ['error', 'warning', 'note', 'none'] } },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
          automationDetails: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
          columnKind: { enum: ['utf16CodeUnits', 'unicodeCodePoints'] },
          originalUriBaseIds: { type: 'object' },
          artifacts: {
            type: 'array',
            items: {
              type: 'object',
              required: ['location'],
              properties: { location: { $ref: '#/$defs/location' } },
            },
          },
          invocations: {
            type: 'array',
            items: {
              type: 'object',
              required: ['executionSuccessful'],
              properties: { executionSuccessful: { type: 'boolean' } },
            },
          },
          results: {
            type: 'array',
            items: {
              type: 'object',
              required: ['ruleId', 'ruleIndex', 'level', 'message', 'locations', 'partialFingerprints'],
              properties: {
                ruleId: { type: 'string' },
                ruleIndex: { type: 'integer', minimum: 0 },
                level: { enum: ['error', 'warning', 'note', 'none'] },
                message: {
                  type: 'object',
                  required: ['text'],
                  properties: { text: { type: 'string', minLength: 1 } },
                },
                locations: {
                  type: 'array',
                  minItems: 1,
                  items: {
                    type: 'object',
                    required: ['physicalLocation'],
                    properties: {
                      physicalLocation: {
                        type: 'object',
                        required: ['artifactLocation'],
                        properties: {
                          artifactLocation: { $ref: '#/$defs/location' },
                          region: {
                            type: 'object',
                            required: ['startLine'],
                            properties: {
                              startLine: { type: 'integer', minimum: 1 },
                              startColumn: { type: 'integer', minimum: 1 },
                              endLine: { type: 'integer', minimum: 1 },
                              endColumn: { type: 'integer', minimum: 1 },
                            },
                          },
                        },
                      },
                      logicalLocations: { type: 'array' },
                    },
                  },
                },
                partialFingerprints: {
                  type: 'object',
                  required: [FINGERPRINT_KEY],
                  properties: { [FINGERPRINT_KEY]: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
                  additionalProperties: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
  },
  $defs: {
    message: { type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 1 } } },
    location: {
      type: 'object',
      required: ['uri'],
      properties: {
        uri: { type: 'string', minLength: 1 },
        uriBaseId: { const: '%SRCROOT%' },
        index: { type: 'integer', minimum: 0 },
      },
    },
  },
};

interface SarifResultShape {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: Array<{
    physicalLocation: {
      artifactLocation: { uri: string; index?: number };
      region?: { startLine: number; startColumn: number; endLine?: number; endColumn?: number };
    };
  }>;
  partialFingerprints: Record<string, string>;
}
interface SarifShape {
  runs: Array<{
    tool: { driver: { rules: Array<{ id: string; shortDescription: { text: string } }> } };
    results: SarifResultShape[];
    artifacts: Array<{ location: { uri: string } }>;
  }>;
}

const validateSarif = new Ajv2020({ strict: true, allErrors: true }).compile(SARIF_SUBSET_SCHEMA);

function checkSarif(text: string): SarifShape {
  const log = JSON.parse(text) as SarifShape;
  expect(validateSarif(log), JSON.stringify(validateSarif.errors, null, 2)).toBe(true);
  const [run] = log.runs;
  if (!run) throw new Error('no run');
  const rules = run.tool.driver.rules;
  // One rule per code, each used; results point at their rule and at an artifact.
  expect(new Set(rules.map((rule) => rule.id)).size).toBe(rules.length);
  for (const result of run.results) {
    expect(rules[result.ruleIndex]?.id).toBe(result.ruleId);
    const location = result.locations[0]?.physicalLocation;
    expect(run.artifacts[location?.artifactLocation.index ?? -1]?.location.uri).toBe(
      location?.artifactLocation.uri,
    );
  }
  return log;
}

describe('--format sarif', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(() => removeTempDir(dir));

  it('validate: a SARIF 2.1.0 log with a rule per code and the regions of the text output', async () => {
    const result = await runCli(['validate', '--format', 'sarif', ...FILES]);
    expect(result.code).toBe(3);
    const log = checkSarif(result.out);
    const run = log.runs[0];
    const text = await runCli(['validate', ...FILES]);
    // Every problem of the text output is a result at the same line and column.
    const textLines = lines(text.out);
    expect(run?.results).toHaveLength(textLines.length);
    for (const [index, result] of (run?.results ?? []).entries()) {
      const region = result.locations[0]?.physicalLocation.region;
      const uri = result.locations[0]?.physicalLocation.artifactLocation.uri;
      const where = region ? `${uri}:${region.startLine}:${region.startColumn}: ` : `${uri}: `;
      expect(textLines[index]?.startsWith(where), `${textLines[index]} / ${where}`).toBe(true);
      expect(textLines[index]).toContain(`[${result.ruleId}]`);
    }
    // Real ranges: the enum problem of line 6 covers "aborted" with its quotes (9..18, end exclusive).
    const status = run?.results.find((r) => r.message.text.startsWith('status is "aborted"'));
    expect(status?.locations[0]?.physicalLocation.region).toEqual({
      startLine: 6,
      startColumn: 9,
      endLine: 6,
      endColumn: 18,
    });
    // The v1 values the migration carries are warnings too (issue 15).
    expect(run?.results.filter((r) => r.level === 'warning').map((r) => r.ruleId)).toEqual([
      'value-unset',
      'value-carried',
      'time-fallback',
      'peer-ip-outside-network',
      'peer-ip-duplicate',
      'peer-ip-invalid',
    ]);
    const rules = run?.tool.driver.rules ?? [];
    expect(rules.find((rule) => rule.id === 'schema-enum')?.shortDescription.text).toBe(
      RULES['schema-enum']?.title,
    );
  });

  it('fingerprints do not change when lines move, and differ between problems', async () => {
    const file = join(dir, 'deployment-state.yaml');
    await copyFile(join(repoRoot, 'fixtures/invalid/v1-several-problems.yaml'), file);
    const before = checkSarif(
      (await runCli(['validate', '--format', 'sarif', 'deployment-state.yaml'], dir)).out,
    );
    await writeFile(file, `# a comment\n# another\n${await readFile(file, 'utf8')}`);
    const after = checkSarif(
      (await runCli(['validate', '--format', 'sarif', 'deployment-state.yaml'], dir)).out,
    );
    const prints = (log: SarifShape) =>
      log.runs[0]?.results.map((r) => r.partialFingerprints[FINGERPRINT_KEY]);
    const lineOf = (log: SarifShape) =>
      log.runs[0]?.results.map((r) => r.locations[0]?.physicalLocation.region?.startLine ?? 0);
    expect(prints(after)).toEqual(prints(before));
    expect(lineOf(after)).toEqual(lineOf(before)?.map((line) => line + 2));
    expect(new Set(prints(before)).size).toBe(prints(before)?.length);
  });

  it('migrate --check: one result per file to migrate or unreadable, none for a v2 file', async () => {
    const result = await runCli(['migrate', '--check', '--format', 'sarif', ...CHECK_FILES]);
    expect(result.code).toBe(3);
    const run = checkSarif(result.out).runs[0];
    expect(
      run?.results.map((r) => [r.ruleId, r.locations[0]?.physicalLocation.artifactLocation.uri]),
    ).toEqual([
      ['needs-migration', 'fixtures/v1/e5-deployer.yaml'],
      ['yaml-syntax', 'fixtures/invalid/malformed-yaml.yaml'],
    ]);
    expect(run?.artifacts).toHaveLength(3);
  });

  it('an absolute path becomes a file: URI; a valid run has no results', () => {
    const log = JSON.parse(
      renderSarif({
        command: 'validate',
        files: [{ file: '/srv/a b/deployment-state.yaml', valid: true, findings: [] }],
      }),
    ) as SarifShape;
    expect(validateSarif(log)).toBe(true);
    expect(log.runs[0]?.artifacts[0]?.location).toEqual({ uri: 'file:///srv/a%20b/deployment-state.yaml' });
    expect(log.runs[0]?.results).toEqual([]);
  });
});

/** A small well-formedness check: every tag closes in order, attributes are quoted, entities known. */
function checkXml(text: string): void {
  expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  const stack: string[] = [];
  const body = text.slice(text.indexOf('?>') + 2);
  for (const match of body.matchAll(
    /<(\/?)([A-Za-z-]+)((?:\s+[A-Za-z-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(amp|lt|gt|quot|#\d+);)/g,
  )) {
    if (match[2] === undefined) throw new Error(`stray ${match[0]} at ${match.index}`);
    if (match[1]) expect(stack.pop()).toBe(match[2]);
    else if (!match[4]) stack.push(match[2]);
  }
  expect(stack).toEqual([]);
}

describe('--format junit', () => {
  it('escapes text and attributes, and replaces characters XML cannot hold', () => {
    expect(escapeXmlText('a < b && c > "d"')).toBe('a &lt; b &amp;&amp; c &gt; "d"');
    expect(escapeXmlAttribute('say "hi"\n\tnow & <then>')).toBe(
      'say &quot;hi&quot;&#10;&#9;now &amp; &lt;then&gt;',
    );
    expect(escapeXmlText('bell\u0007 nul\u0000 lone\ud800')).toBe('bell\ufffd nul\ufffd lone\ufffd');
  });

  it('one testsuite, one testcase per file, a failure per error, an error for an unreadable file', () => {
    const xml = renderJunit({
      command: 'validate',
      files: [
        { file: 'ok.yaml', valid: true, findings: [] },
        {
          file: 'bad <&>.yaml',
          valid: false,
          findings: [
            {
              severity: 'error',
              code: 'schema-enum',
              message: 'a "b" & c',
              line: 1,
              col: 2,
              endLine: 1,
              endCol: 3,
            },
            { severity: 'error', code: 'schema-type', message: 'd', line: 4, col: 1, endLine: 4, endCol: 2 },
            {
              severity: 'warning',
              code: 'peer-ip-invalid',
              message: 'w',
              line: 5,
              col: 1,
              endLine: 5,
              endCol: 2,
            },
          ],
        },
        {
          file: 'gone.yaml',
          valid: false,
          unchecked: true,
          findings: [{ severity: 'error', code: 'file-not-found', message: 'no such file' }],
        },
      ],
    });
    checkXml(xml);
    expect(xml.match(/<testsuite /g)).toHaveLength(1);
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml.match(/<failure /g)).toHaveLength(2);
    expect(xml.match(/<error /g)).toHaveLength(1);
    expect(xml).toContain('tests="3" failures="1" errors="1" skipped="0"');
    expect(xml).toContain(
      '<failure message="a &quot;b&quot; &amp; c" type="schema-enum">bad &lt;&amp;&gt;.yaml:1:2: error:',
    );
    expect(xml).toContain(
      '<system-out>bad &lt;&amp;&gt;.yaml:5:1: warning: w [peer-ip-invalid]</system-out>',
    );
  });

  it('validate: matches fixtures/formats/validate.junit.xml', async () => {
    const result = await runCli(['validate', '--format', 'junit', ...FILES]);
    expect(result.code).toBe(3);
    expect(result.err).toBe('');
    checkXml(result.out);
    golden('validate.junit.xml', normalize(result.out));
  });

  it('migrate --check: matches fixtures/formats/migrate-check.junit.xml', async () => {
    const result = await runCli(['migrate', '--check', '--format', 'junit', ...CHECK_FILES]);
    expect(result.code).toBe(3);
    checkXml(result.out);
    golden('migrate-check.junit.xml', normalize(result.out));
  });
});

describe('formats and exit codes', () => {
  it.each(['text', 'json', 'github', 'sarif', 'junit'])(
    'validate --format %s exits as the text output does',
    async (format) => {
      expect((await runCli(['validate', '--format', format, 'fixtures/v2/fresh.yaml'])).code).toBe(0);
      expect(
        (await runCli(['validate', '--format', format, 'fixtures/invalid/v2-duplicate-run-ids.yaml'])).code,
      ).toBe(1);
      expect(
        (await runCli(['validate', '--format', format, 'fixtures/invalid/malformed-yaml.yaml'])).code,
      ).toBe(3);
    },
  );

  it('a CI format is refused for a migration (it is for --check), with the fix', async () => {
    const result = await runCli([
      'migrate',
      '--dry-run',
      '--format',
      'sarif',
      'fixtures/v1/e5-deployer.yaml',
    ]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('--format sarif goes with migrate --check');
  });

  it('migrate --check --format json lists each file', async () => {
    const result = await runCli(['migrate', '--check', '--format', 'json', ...CHECK_FILES]);
    expect(result.code).toBe(3);
    const json = JSON.parse(result.out) as { current: boolean; files: Array<Record<string, unknown>> };
    expect(json.current).toBe(false);
    expect(json.files.map((file) => [file.file, file.version, file.needs_migration])).toEqual([
      ['fixtures/v1/e5-deployer.yaml', 1, true],
      ['fixtures/v2/fresh.yaml', 2, false],
      ['fixtures/invalid/malformed-yaml.yaml', null, false],
    ]);
  });
});
