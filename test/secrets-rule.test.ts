// The secret rule itself (src/secrets.ts, src/secrets-yaml.ts): which keys are secret, how values,
// YAML text and free text are masked, and the Terraform backend credentials that are never kept.
// test/secrets.test.ts runs the rule through every output path.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import * as library from '../src/index.js';
import {
  cleanBackendConfig,
  cleanSettingText,
  isSecretKey,
  isSecretPath,
  isSensitiveOutput,
  knownSecrets,
  REDACTED,
  redactValue,
  scrubText,
} from '../src/secrets.js';
import { maskYamlText } from '../src/secrets-yaml.js';
import { parseBackendRecord } from '../src/terraform/backend.js';
import { repoRoot } from './helpers.js';

const KEY = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF=';

describe('secret keys', () => {
  it.each([
    'private_key',
    'ssh_private_key',
    'wg_private_key',
    'PRIVATE_KEY',
    'password',
    'admin_password',
    'passphrase',
    'secret',
    'client_secret',
    'token',
    'sas_token',
    'access_key',
    'storage_account_key'.replace('storage_', ''),
    'api_key',
    // A value the migration carried to unrecognized under its dotted v1 path.
    'wireguard_peers.hub.private_key',
    'wireguard_peers.hub.private_key (2)',
  ])('%s is secret', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    'public_key',
    'ssh_key',
    'keys_generated',
    'keys_generated_at',
    'azure_ssh_key_status',
    'private_key_path',
    'password_hint_shown',
    'secretary',
    'tokens_issued',
    'key',
    'ip',
    'wireguard_peers.hub.public_key (2)',
    'private_key.ip',
  ])('%s is not', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe('secret keys asked again', () => {
  it('get the first answer every time, whatever was asked in between', () => {
    const names = [
      'private_key',
      'public_key',
      'wireguard_peers.hub.private_key (2)',
      'wireguard_peers.hub.public_key (2)',
      'API_KEY',
      'api_keys',
      'x'.repeat(300),
      `${'x'.repeat(300)}_token`,
      'token (12)',
      'token (x)',
    ];
    const first = names.map((name) => isSecretKey(name));
    expect(first).toEqual([true, false, true, false, true, false, false, true, true, false]);
    for (let round = 0; round < 3; round++) {
      // Enough other names to wrap the remembered answers more than once.
      for (let i = 0; i < 5000; i++) isSecretKey(`key_${round}_${i}${i % 7 === 0 ? '_password' : ''}`);
      expect(names.map((name) => isSecretKey(name))).toEqual(first);
    }
  });
});

describe('knownSecrets', () => {
  // The walk as it was before its quick pass for scalars: the reference the walk must agree with.
  function reference(data: unknown): Set<string> {
    const secrets = new Set<string>();
    const seen = new WeakSet<object>();
    const collect = (value: unknown): void => {
      if (typeof value === 'string') {
        if (value.length >= 8) secrets.add(value);
      } else if (value !== null && typeof value === 'object' && !seen.has(value)) {
        seen.add(value);
        for (const item of Object.values(value)) collect(item);
      }
    };
    const walked = new WeakSet<object>();
    const walk = (value: unknown, key: string | undefined): void => {
      if (isSecretKey(key) || isSensitiveOutput(value)) {
        collect(value);
        return;
      }
      if (value === null || typeof value !== 'object' || walked.has(value)) return;
      walked.add(value);
      if (Array.isArray(value)) for (const item of value) walk(item, undefined);
      else for (const [name, item] of Object.entries(value)) walk(item, name);
    };
    walk(data, undefined);
    return secrets;
  }

  it('finds what the plain walk finds, over every fixture and shared or nested secrets', () => {
    const shared = { private_key: 'shared-secret-value', other: ['x'] };
    const cases: unknown[] = [
      null,
      'private_key',
      [KEY, { token: KEY }],
      { private_key: 12345678, password: 'short', token: 'long-enough-token', api_key: null },
      {
        a: shared,
        b: shared,
        c: { nested: [shared, { sensitive: true, value: { deep: 'output-secret-1' } }] },
      },
      { outputs: { db: { sensitive: true, value: ['output-secret-2', 42, { x: 'output-secret-3' }] } } },
      { private_key: { inner: ['in-a-list-secret', { k: 'in-a-map-secret' }] }, plain: 'not-a-secret-value' },
      { 'wireguard_peers.hub.private_key (2)': 'carried-secret-value', PASSWORD: 'UPPER-CASE-SECRET' },
    ];
    const cyclic: Record<string, unknown> = { token: 'cyclic-token-value' };
    cyclic.self = cyclic;
    cases.push(cyclic);
    const walkFixtures = (dir: string) => {
      for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) walkFixtures(path);
        else if (entry.name.endsWith('.yaml')) {
          try {
            cases.push(parse(readFileSync(join(repoRoot, path), 'utf8'), { maxAliasCount: 100 }));
          } catch {
            // Not YAML the library reads: nothing to compare.
          }
        }
      }
    };
    walkFixtures('fixtures');
    expect(cases.length).toBeGreaterThan(60);
    let found = 0;
    for (const [index, data] of cases.entries()) {
      const expected = reference(data);
      found += expected.size;
      expect([...knownSecrets(data)].sort(), `case ${index}`).toEqual([...expected].sort());
    }
    expect(found).toBeGreaterThan(30);
  });
});

describe('scrubText with few secrets', () => {
  it('masks as it does with many (the rolling hash), every text and set of secrets', () => {
    // More than 16 secrets, none in any text: scrubText takes its table and rolling hash.
    const absent = Array.from({ length: 17 }, (_, i) => `absent-secret-${i}-zzzz`);
    const secrets = [KEY, KEY.slice(0, 12), 'hunter2hunter2', 'abcdefgh', 'abcdefghij', 'short'];
    const texts = [
      '',
      'nothing to see here, at all',
      `wg set ${KEY} failed; ${KEY.slice(0, 10)}`,
      `${KEY}${KEY}`,
      'xxabcdefghijxx abcdefgh abcdefg',
      'hunter2hunter2hunter2',
      `peer "a" ip "${KEY.slice(0, 12)}" is not a valid IPv4 address`,
      'short short short',
    ];
    for (let mask = 1; mask < 1 << secrets.length; mask++) {
      const few = new Set(secrets.filter((_, i) => mask & (1 << i)));
      const many = new Set([...few, ...absent]);
      for (const text of texts) {
        expect(scrubText(text, few), `${text} ${[...few].join(',')}`).toBe(scrubText(text, many));
      }
    }
    expect(scrubText(`a ${KEY} b`, new Set([KEY]))).toBe(`a ${REDACTED} b`);
  });
});

describe('values', () => {
  const state = {
    wireguard_config: { peers: { hub: { ip: '172.24.24.1', private_key: KEY, public_key: 'pub' } } },
    config: { ssh_private_key: 'ssh-secret-value', nothing: null, copy: KEY },
    unrecognized: {
      old_output: { sensitive: true, value: 'output-secret-value' },
      empty_key: { private_key: null },
    },
  };

  it('masks secret keys, sensitive outputs and copies of a secret; null stays null', () => {
    const known = knownSecrets(state);
    expect([...known].sort()).toEqual([KEY, 'output-secret-value', 'ssh-secret-value'].sort());
    expect(redactValue(state, { known })).toEqual({
      wireguard_config: { peers: { hub: { ip: '172.24.24.1', private_key: REDACTED, public_key: 'pub' } } },
      config: { ssh_private_key: REDACTED, nothing: null, copy: REDACTED },
      unrecognized: { old_output: REDACTED, empty_key: { private_key: null } },
    });
  });

  it('knows a path inside a secret, or to a copy of one', () => {
    expect(isSecretPath(state, ['wireguard_config', 'peers', 'hub', 'private_key'])).toBe(true);
    expect(isSecretPath(state, ['unrecognized', 'old_output', 'value'])).toBe(true);
    expect(isSecretPath(state, ['config', 'copy'])).toBe(true);
    expect(isSecretPath(state, ['wireguard_config', 'peers', 'hub'])).toBe(false);
    // Inherited properties are not children.
    expect(isSecretPath(state, ['constructor', 'name'])).toBe(false);
  });

  it('scrubs known secrets from free text, the longest first', () => {
    expect(scrubText(`wg set ${KEY} failed; ${KEY.slice(0, 10)}`, new Set([KEY, KEY.slice(0, 12)]))).toBe(
      `wg set ${REDACTED} failed; ${KEY.slice(0, 10)}`,
    );
  });
});

describe('the library', () => {
  it('exports the rule as it did: redactSecrets(value, path, state)', () => {
    const state = { a: { private_key: 'KEYkeyKEYkey0123' }, copy: 'KEYkeyKEYkey0123' };
    expect(library.redactSecrets(state)).toEqual({
      a: { private_key: '<redacted>' },
      copy: 'KEYkeyKEYkey0123',
    });
    expect(library.redactSecrets({ copy: state.copy }, ['x'], state)).toEqual({ copy: '<redacted>' });
  });
});

describe('YAML text, masked by node ranges', () => {
  it.each([
    ['plain', `private_key: ${KEY}\n`, 'private_key: <redacted>\n'],
    ['after a comment', `private_key:   # rotated\n  "${KEY}"\n`, 'private_key:   # rotated\n  <redacted>\n'],
    ['explicit key', `? private_key\n: ${KEY}\n`, '? private_key\n: <redacted>\n'],
    ['escaped key', `"private\\u005fkey": ${KEY}\n`, '"private\\u005fkey": <redacted>\n'],
    [
      'flow map broken after the colon',
      `hub: {ip: x, private_key:\n    ${KEY}, public_key: pub}\n`,
      'hub: {ip: x, private_key:\n    <redacted>, public_key: pub}\n',
    ],
    ['anchor and tag', `private_key: &k !!str ${KEY}\n`, 'private_key: &k !!str <redacted>\n'],
    [
      'alias to an anchor elsewhere',
      `seed: &s ${KEY}\npeer:\n  private_key: *s\n`,
      'seed: &s <redacted>\npeer:\n  private_key: *s\n',
    ],
    [
      'alias of the key under another name',
      `private_key: &s ${KEY}\ncopy: *s\nsame: "${KEY}"\n`,
      'private_key: &s <redacted>\ncopy: *s\nsame: <redacted>\n',
    ],
    ['alias as the key', `name: &n private_key\n*n : ${KEY}\n`, 'name: &n private_key\n*n : <redacted>\n'],
    [
      'literal block scalar',
      `private_key: |-\n  ${KEY}\n  more\nnext: 1\n`,
      'private_key: <redacted>\n  <redacted>\n  <redacted>\nnext: 1\n',
    ],
    [
      'a secret map',
      `private_key:\n  a: ${KEY}\n  b: 2\nnext: 1\n`,
      'private_key:\n  <redacted>\n  <redacted>\nnext: 1\n',
    ],
    [
      'a sensitive output',
      `out: {sensitive: true, value: "${KEY}"}\nnext: 1\n`,
      'out: <redacted>\nnext: 1\n',
    ],
    [
      'a comment quoting the key',
      `private_key: ${KEY} # was ${KEY}\n`,
      'private_key: <redacted> # was <redacted>\n',
    ],
  ])('%s', (_name, text, masked) => {
    expect(maskYamlText(text)).toBe(masked);
  });

  it('masks text it cannot parse whole, line by line', () => {
    expect(maskYamlText(`a: [\nprivate_key: ${KEY}\n`)).toBe('<redacted>\n<redacted>\n');
  });
});

describe('Terraform backend credentials (never stored)', () => {
  it.each([
    ['http://user:pass@proxy.example:3128', 'http://proxy.example:3128'],
    ['https://alice@proxy.example', 'https://proxy.example'],
    ['https://minio.example:9000/', 'https://minio.example:9000/'],
    [
      'https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=ABCsecret%3D',
      'https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=r',
    ],
    [
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net',
      'DefaultEndpointsProtocol=https;AccountName=acct;EndpointSuffix=core.windows.net',
    ],
    [
      'BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2022&sig=abc',
      'BlobEndpoint=https://acct.blob.core.windows.net/',
    ],
    ['southeastasia', 'southeastasia'],
  ])('%s', (text, cleaned) => {
    expect(cleanSettingText(text)).toBe(cleaned);
  });

  it('drops assume_role.external_id and cleans URLs at any depth', () => {
    expect(
      cleanBackendConfig({
        bucket: 'b',
        assume_role: { role_arn: 'arn:aws:iam::1:role/r', external_id: 'ext-secret' },
        endpoints: { s3: 'https://k:s@minio.example', dynamodb: 'https://ddb.example' },
        http_proxy: 'http://u:p@proxy:3128',
        key: 'state.tfstate',
      }),
    ).toEqual({
      bucket: 'b',
      assume_role: { role_arn: 'arn:aws:iam::1:role/r' },
      endpoints: { s3: 'https://minio.example', dynamodb: 'https://ddb.example' },
      http_proxy: 'http://proxy:3128',
      key: 'state.tfstate',
    });
  });

  it('parseBackendRecord keeps none of them', () => {
    const record = {
      version: 3,
      backend: {
        type: 's3',
        config: {
          bucket: 'tf-state',
          key: 'k0rdent/terraform.tfstate',
          region: 'eu-west-1',
          http_proxy: 'http://proxyuser:proxypass@proxy.example:3128',
          https_proxy: 'https://proxyuser:proxypass@proxy.example:3129',
          endpoints: { s3: 'https://minioadmin:miniosecret@minio.example:9000' },
          assume_role: { role_arn: 'arn:aws:iam::123456789012:role/tf', external_id: 'EXTERNAL-ID-SECRET' },
        },
        hash: 1,
      },
    };
    const azurerm = {
      version: 3,
      backend: {
        type: 'azurerm',
        config: {
          storage_account_name: 'acct',
          container_name: 'tfstate',
          key: 'k0rdent.tfstate',
          connection_string:
            'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=QUNDT1VOVEtFWVNFQ1JFVA==;EndpointSuffix=core.windows.net',
        },
        hash: 2,
      },
    };
    const text = JSON.stringify([
      parseBackendRecord(JSON.stringify(record), 'r'),
      parseBackendRecord(JSON.stringify(azurerm), 'a'),
    ]);
    for (const secret of [
      'proxypass',
      'proxyuser',
      'miniosecret',
      'minioadmin',
      'EXTERNAL-ID',
      'QUNDT1VOVEtFWVNFQ1JFVA',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('https://proxy.example:3129');
    expect(text).toContain('AccountName=acct');
  });
});
