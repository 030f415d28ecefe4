// `infra sync` from Terraform (issue 4, items 5 and 10): the parsers of `terraform output -json`, a
// local state file and the backend record of `terraform init`; reading them from disk in every
// combination; and caching a snapshot in a v2 Document.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Document, parseDocument } from 'yaml';
import { formatStateError, StateError } from '../src/errors.js';
import { serialize } from '../src/migrate/engine.js';
import { isSensitiveOutput } from '../src/secrets.js';
import { parseBackendRecord } from '../src/terraform/backend.js';
import { STDIN_NAME, TerraformError, type TerraformSnapshot } from '../src/terraform/common.js';
import { parseOutputsJson } from '../src/terraform/outputs.js';
import { type ReadTerraformOptions, readTerraform } from '../src/terraform/read.js';
import { applyTerraformSync, outputsCap, type SyncSummary } from '../src/terraform/sync.js';
import { parseTfstate } from '../src/terraform/tfstate.js';
import { validateData } from '../src/validate/validate.js';
import { makeTempDir, removeTempDir, repoRoot } from './helpers.js';

const TF = join(repoRoot, 'fixtures/terraform');
const NOW = new Date('2025-12-12T11:00:00.123Z');
const LATER = new Date('2025-12-12T12:30:00Z');
const LINEAGE = '3f9c2b7e-8d41-4a6e-b0c5-71e2d94a6f18';
const OTHER_LINEAGE = 'a7d05e61-2c9b-4f83-9e14-5b6c0f3d8a22';
const STATE_SHA = '070761c34462025910f5cf764fb70da287d1403769c1fbfda2d5378991026c73';
const CHECKSUM = `sha256:${STATE_SHA} lineage=${LINEAGE} serial=12`;
const OUTPUTS_FIX = 'pass what `terraform output -json` prints (run it in the Terraform folder)';
const TFSTATE_FIX = 'pass a Terraform state file (terraform.tfstate, or what `terraform state pull` prints)';
const D = 'k0rdent-t6p1w9za';
const AZURERM_CONFIG = {
  container_name: 'tfstate',
  key: `${D}.tfstate`,
  resource_group_name: 'k0rdent-tfstate-rg',
  storage_account_name: 'k0rdenttfstate7f3a',
  subscription_id: '0b1f6471-1bf0-4dda-aec3-111122223333',
  use_azuread_auth: false,
};
const VM_DETAILS = {
  [`${D}-controller`]: {
    private_ip: '10.240.0.4',
    public_ip: '20.103.88.14',
    size: 'Standard_D4s_v5',
    zone: '1',
  },
  [`${D}-worker-1`]: {
    private_ip: '10.240.0.5',
    public_ip: '20.103.89.172',
    size: 'Standard_D4s_v5',
    zone: '2',
  },
  [`${D}-worker-2`]: {
    private_ip: '10.240.0.6',
    public_ip: '20.103.90.61',
    size: 'Standard_D4s_v5',
    zone: '3',
  },
};
/** Text found in the fake secrets of the fixtures; it must never reach a result, summary or message. */
const SECRETS = [
  'FAKE-KEY-FOR-TESTS-ONLY',
  'BEGIN OPENSSH',
  'FAKEstorageAccessKey',
  'AKIAFAKE',
  'FAKEsecretKey',
  'FAKEsessionToken',
];

function fixture(name: string): string {
  return readFileSync(join(TF, name), 'utf8');
}

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

/** The error `fn` throws (failing the test when it throws none). */
function caught(fn: () => unknown): TerraformError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TerraformError);
    expect(error).toBeInstanceOf(StateError);
    expectNoSecret((error as Error).message);
    return error as TerraformError;
  }
  throw new Error('expected an error');
}

async function caughtAsync(promise: Promise<unknown>): Promise<TerraformError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TerraformError);
    expectNoSecret((error as Error).message);
    return error as TerraformError;
  }
  throw new Error('expected an error');
}

/** Checks an error's code, exit code and the one line the CLI prints for it. */
function expectError(error: TerraformError, code: string, exitCode: number, line: string): void {
  expect(error.code).toBe(code);
  expect(error.exitCode).toBe(exitCode);
  expect(formatStateError(error)).toBe(line);
  expect(error.message).not.toMatch(/[\r\n]/);
}

describe('parseOutputsJson: what `terraform output -json` prints', () => {
  it('reads every output of the Azure fixture with its sensitivity and type', () => {
    const outputs = parseOutputsJson(fixture('outputs.json'), 'outputs.json');
    expect(Object.keys(outputs)).toEqual([
      'controller_ips',
      'location',
      'resource_group_name',
      'ssh_private_key',
      'ssh_public_key',
      'vm_details',
      'vnet_name',
      'worker_ips',
    ]);
    expect(outputs.resource_group_name).toEqual({ sensitive: false, type: 'string', value: `${D}-resgrp` });
    expect(outputs.vnet_name?.value).toBe(`${D}-vnet`);
    expect(outputs.controller_ips).toEqual({
      sensitive: false,
      type: ['list', 'string'],
      value: ['10.240.0.4'],
    });
    expect(outputs.worker_ips?.value).toEqual(['10.240.0.5', '10.240.0.6']);
    expect(outputs.vm_details?.value).toEqual(VM_DETAILS);
    expect(outputs.ssh_private_key?.sensitive).toBe(true);
    expect(String(outputs.ssh_private_key?.value)).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE/);
  });

  it('gives the same outputs as the matching state file', () => {
    expect(parseOutputsJson(fixture('outputs.json'), 'outputs.json')).toEqual(
      parseTfstate(fixture('terraform.tfstate'), 'terraform.tfstate').outputs,
    );
  });

  it('accepts no outputs, a byte-order mark and CRLF line ends', () => {
    expect(parseOutputsJson('{}\n', 'o.json')).toEqual({});
    const text = `\ufeff${fixture('outputs.json').replace(/\n/g, '\r\n')}`;
    expect(parseOutputsJson(text, 'o.json')).toEqual(parseOutputsJson(fixture('outputs.json'), 'o.json'));
  });

  it('keeps an output named like an Object.prototype key as plain data', () => {
    const outputs = parseOutputsJson('{"__proto__": {"sensitive": false, "value": 1}}', 'o.json');
    expect(Object.keys(outputs)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(outputs)).toBe(Object.prototype);
  });

  it('refuses the text of plain `terraform output` (not-json.json)', () => {
    const error = caught(() =>
      parseOutputsJson(fixture('not-json.json'), 'fixtures/terraform/not-json.json'),
    );
    expectError(
      error,
      'terraform-not-json',
      3,
      `fixtures/terraform/not-json.json:1:1: error: is not JSON: it looks like what plain \`terraform output\` prints; ${OUTPUTS_FIX} [terraform-not-json]`,
    );
    expect(error.file).toBe('fixtures/terraform/not-json.json');
    expect(error.position).toEqual({ line: 1, col: 1 });
  });

  it.each([
    [
      'a trailing comma',
      '{\n  "a": {"sensitive": false, "value": 1,}\n}',
      '2:40',
      "trailing comma before '}'",
    ],
    ['a truncated file', '{\n  "a": {"sensitive": false, "value": 1}', '2:40', 'unexpected end of input'],
    ['single quotes', "{\n  'a': 1\n}", '2:3', 'expected a property name in double quotes'],
    ['a missing comma', '{\n  "a": 1\n  "b": 2\n}', '3:3', "expected ',' or '}' after a property value"],
    ['a line break in a string', '{"a": {"value": "x\ny"}}', '1:19', 'line break inside a string'],
    ['a bad escape', '{"a": "\\x"}', '1:8', 'invalid escape in a string'],
    ['a bad number', '{"a": 01}', '1:8', "expected ',' or '}' after a property value"],
    ['a bare word', '{"a": yes}', '1:7', 'unexpected character where a value should be'],
    ['a missing colon', '{"a" 1}', '1:6', "expected ':' after a property name"],
    ['a bad array', '[1 2]', '1:4', "expected ',' or ']' after an element"],
    ['an array with a trailing comma', '[1,]', '1:4', "trailing comma before ']'"],
    ['a lone quote', "'x'", '1:1', 'single quotes; JSON strings take double quotes'],
    ['an unterminated string', '{"a', '1:4', 'unterminated string'],
    ['a control character', '{"a": "\t"}', '1:8', 'control character inside a string'],
    [
      'a warning after the JSON',
      '{}\nWarning: Value for undeclared variable\n',
      '2:1',
      'more text after the JSON value',
    ],
  ])('refuses %s with the line and column of the error', (_name, text, where, reason) => {
    expectError(
      caught(() => parseOutputsJson(text, 'o.json')),
      'terraform-not-json',
      3,
      `o.json:${where}: error: is not JSON: ${reason}; ${OUTPUTS_FIX} [terraform-not-json]`,
    );
  });

  it('counts lines and columns after a byte-order mark from the first real character', () => {
    expect(caught(() => parseOutputsJson('\ufeff{,}', 'o.json')).position).toEqual({ line: 1, col: 2 });
  });

  it.each([
    ['empty', ''],
    ['white space only', ' \n\t\n'],
  ])('refuses an %s text', (_name, text) => {
    expectError(
      caught(() => parseOutputsJson(text, STDIN_NAME)),
      'terraform-not-json',
      3,
      `<stdin>: error: is empty, not JSON; ${OUTPUTS_FIX} [terraform-not-json]`,
    );
  });

  it.each([
    ['[]', 'array'],
    ['"x"', 'string'],
    ['null', 'null'],
    ['42', 'number'],
  ])('refuses the JSON %s, which is not an object of outputs', (text, kind) => {
    expectError(
      caught(() => parseOutputsJson(text, 'o.json')),
      'terraform-outputs-shape',
      3,
      `o.json: error: is a JSON ${kind}, not the object of outputs; ${OUTPUTS_FIX} [terraform-outputs-shape]`,
    );
  });

  it('refuses a state file and says to pass it with --tfstate', () => {
    expectError(
      caught(() => parseOutputsJson(fixture('terraform.tfstate'), 'terraform.tfstate')),
      'terraform-outputs-shape',
      3,
      'terraform.tfstate: error: is a Terraform state file, not what `terraform output -json` prints; pass it with --tfstate, or pass the Terraform folder with --terraform-dir [terraform-outputs-shape]',
    );
  });

  it.each([
    ['a bare value (the shape cached in the YAML)', '{"vnet_name": "k0rdent-vnet"}'],
    ['no "sensitive"', '{"vnet_name": {"type": "string", "value": "k0rdent-vnet"}}'],
    ['a string "sensitive"', '{"vnet_name": {"sensitive": "false", "value": "k0rdent-vnet"}}'],
    ['no "value"', '{"vnet_name": {"sensitive": false, "type": "string"}}'],
  ])('refuses an output with %s', (_name, text) => {
    expectError(
      caught(() => parseOutputsJson(text, 'o.json')),
      'terraform-outputs-shape',
      3,
      `o.json: error: has an output "vnet_name" that is not {"sensitive", "type", "value"} as \`terraform output -json\` prints it; ${OUTPUTS_FIX} [terraform-outputs-shape]`,
    );
  });

  it('never quotes a value, even of the output that is wrong', () => {
    const text = fixture('outputs.json').replace('"sensitive": true', '"sensitive": "yes"');
    const error = caught(() => parseOutputsJson(text, 'o.json'));
    expect(error.message).toContain('"ssh_private_key"');
    expectNoSecret(error.message);
    const broken = fixture('outputs.json').replace('-----END OPENSSH', '-----END\u0001OPENSSH');
    expect(caught(() => parseOutputsJson(broken, 'o.json')).message).toBe(
      `is not JSON: control character inside a string; ${OUTPUTS_FIX}`,
    );
  });
});

describe('parseOutputsJson: one output at a time, and its visitor', () => {
  const entry = (value: string) => `{"sensitive": false, "type": "string", "value": "${value}"}`;

  it('reads numbers with their digits, extra keys dropped, as the whole-text reader did', () => {
    const outputs = parseOutputsJson(
      '{"n": {"sensitive": false, "type": "number", "value": 1e3}, "x": {"sensitive": true, "value": "s", "extra": 1}}',
      'o.json',
    );
    const n = outputs.n?.value as { source?: string; value?: number };
    expect([n.source, n.value]).toEqual(['1e3', 1000]);
    expect(outputs.x).toEqual({ sensitive: true, value: 's' });
  });

  it('reads a repeated name as JSON.parse does: the last value, in the place of the first', () => {
    const outputs = parseOutputsJson(
      `{"a": ${entry('1')}, "b": ${entry('2')}, "a": ${entry('3')}}`,
      'o.json',
    );
    expect(Object.keys(outputs)).toEqual(['a', 'b']);
    expect(outputs.a?.value).toBe('3');
  });

  it('shows the visitor every output once, in the order written', () => {
    const seen: string[] = [];
    parseOutputsJson(`{"b": ${entry('1')}, "a": ${entry('2')}}`, 'o.json', () => (name) => seen.push(name));
    expect(seen).toEqual(['b', 'a']);
  });

  it('gives a fresh visitor when the text has to be read again whole', () => {
    const seen: string[][] = [];
    const watch = () => {
      const mine: string[] = [];
      seen.push(mine);
      return (name: string) => mine.push(name);
    };
    parseOutputsJson(`{"a": ${entry('1')}, "b": ${entry('2')}, "a": ${entry('3')}}`, 'o.json', watch);
    expect(seen).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('stops where the visitor throws: the rest of the text is not read', () => {
    const stop = new Error('over the cap');
    const seen: string[] = [];
    const text = `{"a": ${entry('1')}, "b": ${entry('2')}, "c": not JSON`;
    expect(() =>
      parseOutputsJson(text, 'o.json', () => (name) => {
        seen.push(name);
        if (name === 'b') throw stop;
      }),
    ).toThrow(stop);
    expect(seen).toEqual(['a', 'b']);
    // Without the visitor the same text is refused as not JSON.
    expect(caught(() => parseOutputsJson(text, 'o.json')).code).toBe('terraform-not-json');
  });
});

describe('parseTfstate: a local state file', () => {
  it('reads the version, lineage, serial, checksum and outputs of the Azure fixture', () => {
    const text = fixture('terraform.tfstate');
    const state = parseTfstate(text, 'terraform.tfstate');
    expect(state.terraformVersion).toBe('1.9.8');
    expect(state.lineage).toBe(LINEAGE);
    expect(state.serial).toBe(12);
    expect(state.stateSha256).toBe(STATE_SHA);
    expect(state.stateSha256).toBe(
      createHash('sha256')
        .update(readFileSync(join(TF, 'terraform.tfstate')))
        .digest('hex'),
    );
    expect(state.outputs.ssh_private_key?.sensitive).toBe(true);
    expect(state.outputs.vnet_name).toEqual({ sensitive: false, type: 'string', value: `${D}-vnet` });
    expect(state.outputs.vm_details?.value).toEqual(VM_DETAILS);
  });

  it('reads the local copy and the state of another lineage', () => {
    expect(parseTfstate(fixture('local/terraform.tfstate'), 'x').stateSha256).toBe(STATE_SHA);
    const other = parseTfstate(fixture('lineage-other.tfstate'), 'x');
    expect(other.lineage).toBe(OTHER_LINEAGE);
    expect(other.serial).toBe(12);
    expect(other.outputs).toEqual(parseTfstate(fixture('terraform.tfstate'), 'x').outputs);
  });

  it('reads a minimal state without outputs', () => {
    expect(parseTfstate('{"version": 4}', 's')).toEqual({
      outputs: {},
      terraformVersion: null,
      lineage: null,
      serial: null,
      stateSha256: createHash('sha256').update('{"version": 4}').digest('hex'),
    });
  });

  it('refuses format version 3 (tfstate-v3.tfstate)', () => {
    expectError(
      caught(() => parseTfstate(fixture('tfstate-v3.tfstate'), 'fixtures/terraform/tfstate-v3.tfstate')),
      'tfstate-version',
      3,
      'fixtures/terraform/tfstate-v3.tfstate: error: is Terraform state format version 3, but only format version 4 (Terraform 0.12 and later) is supported; upgrade it by running `terraform apply` with Terraform 0.12 or later, or pass `terraform output -json` with --outputs [tfstate-version]',
    );
  });

  it('refuses a newer format version and a version that is not a number', () => {
    expectError(
      caught(() => parseTfstate('{"version": 5}', 's')),
      'tfstate-version',
      3,
      's: error: is Terraform state format version 5, but only format version 4 (Terraform 0.12 and later) is supported; pass `terraform output -json` with --outputs instead [tfstate-version]',
    );
    expect(caught(() => parseTfstate('{"version": "4"}', 's')).message).toMatch(
      /^is Terraform state format version "4", but only format version 4 /,
    );
  });

  it('refuses the backend record of `terraform init` and points to --terraform-dir', () => {
    expectError(
      caught(() => parseTfstate(fixture('azurerm/.terraform/terraform.tfstate'), 'b')),
      'tfstate-version',
      3,
      'b: error: is Terraform state format version 3, but only format version 4 (Terraform 0.12 and later) is supported; this is the backend record `terraform init` writes in .terraform/: pass the Terraform folder with --terraform-dir [tfstate-version]',
    );
  });

  it('refuses what `terraform output -json` prints and points to --outputs', () => {
    expectError(
      caught(() => parseTfstate(fixture('outputs.json'), 'outputs.json')),
      'tfstate-shape',
      3,
      'outputs.json: error: is what `terraform output -json` prints, not a state file; pass it with --outputs [tfstate-shape]',
    );
  });

  it('refuses text that is not JSON', () => {
    expectError(
      caught(() => parseTfstate(fixture('not-json.json'), 'not-json.json')),
      'terraform-not-json',
      3,
      `not-json.json:1:1: error: is not JSON: it looks like what plain \`terraform output\` prints; ${TFSTATE_FIX} [terraform-not-json]`,
    );
  });

  it.each([
    ['[]', 'is a JSON array, not a Terraform state file'],
    ['{}', 'has no "version", so it is not a Terraform state file'],
    ['{"version": 4, "serial": "12"}', 'has a "serial" that is not a whole number, so it is damaged'],
    ['{"version": 4, "serial": -1}', 'has a "serial" that is not a whole number, so it is damaged'],
    ['{"version": 4, "lineage": 7}', 'has a "lineage" that is not a string, so it is damaged'],
    [
      '{"version": 4, "terraform_version": 1.9}',
      'has a "terraform_version" that is not a string, so it is damaged',
    ],
    ['{"version": 4, "outputs": []}', 'has a "outputs" that is not an object, so it is damaged'],
    [
      '{"version": 4, "outputs": {"a": "x"}}',
      'has an output "a" that is not {"value", "type", "sensitive"}, so it is damaged',
    ],
    [
      '{"version": 4, "outputs": {"a": {"value": 1, "sensitive": "no"}}}',
      'has an output "a" that is not {"value", "type", "sensitive"}, so it is damaged',
    ],
  ])('refuses the damaged state %s', (text, what) => {
    expectError(
      caught(() => parseTfstate(text, 's')),
      'tfstate-shape',
      3,
      `s: error: ${what}; ${TFSTATE_FIX} [tfstate-shape]`,
    );
  });
});

describe('parseBackendRecord: .terraform/terraform.tfstate', () => {
  it('reads the azurerm backend without the access key or null settings', () => {
    const backend = parseBackendRecord(fixture('azurerm/.terraform/terraform.tfstate'), 'b');
    expect(backend).toEqual({ type: 'azurerm', config: AZURERM_CONFIG });
    expectNoSecret(JSON.stringify(backend));
  });

  it('reads the s3 backend without access_key, secret_key or token', () => {
    const backend = parseBackendRecord(fixture('s3/.terraform/terraform.tfstate'), 'b');
    expect(backend).toEqual({
      type: 's3',
      config: {
        assume_role: {
          role_arn: 'arn:aws:iam::123456789012:role/k0rdent-terraform',
          session_name: 'k0rdent',
        },
        bucket: 'k0rdent-tfstate',
        dynamodb_table: 'k0rdent-tfstate-lock',
        encrypt: true,
        key: `${D}/terraform.tfstate`,
        region: 'eu-west-1',
      },
    });
    expectNoSecret(JSON.stringify(backend));
  });

  it('reads the local backend', () => {
    expect(parseBackendRecord(fixture('local/.terraform/terraform.tfstate'), 'b')).toEqual({
      type: 'local',
      config: { path: 'terraform.tfstate' },
    });
  });

  it('drops every secret setting, at any depth, and keeps paths and endpoints', () => {
    const config = {
      key: 'k',
      client_secret: 's1',
      sas_token: 's2',
      client_certificate: 's3',
      client_certificate_password: 's4',
      oidc_token: 's5',
      oidc_request_token: 's6',
      sse_customer_key: 's7',
      private_key: 's8',
      password: 's9',
      assume_role_with_web_identity: { role_arn: 'arn', web_identity_token: 's10' },
      msi_endpoint: 'http://169.254.169.254/metadata/identity/oauth2/token',
      client_certificate_path: '/etc/k0rdent/tf.pfx',
      oidc_token_file_path: '/var/run/secrets/azure/tokens/azure-identity-token',
      client_secret_file_path: '/etc/k0rdent/secret',
      use_msi: true,
      kms_key_id: 'arn:aws:kms:eu-west-1:123456789012:key/1',
      workspace_key_prefix: 'env:',
    };
    const text = JSON.stringify({ version: 3, backend: { type: 'azurerm', config, hash: 1 } });
    const backend = parseBackendRecord(text, 'b');
    expect(backend.config).toEqual({
      key: 'k',
      assume_role_with_web_identity: { role_arn: 'arn' },
      msi_endpoint: 'http://169.254.169.254/metadata/identity/oauth2/token',
      client_certificate_path: '/etc/k0rdent/tf.pfx',
      oidc_token_file_path: '/var/run/secrets/azure/tokens/azure-identity-token',
      client_secret_file_path: '/etc/k0rdent/secret',
      use_msi: true,
      kms_key_id: 'arn:aws:kms:eu-west-1:123456789012:key/1',
      workspace_key_prefix: 'env:',
    });
  });

  it('reads a backend without config as an empty config', () => {
    expect(parseBackendRecord('{"version": 3, "backend": {"type": "local"}}', 'b')).toEqual({
      type: 'local',
      config: {},
    });
  });

  it.each(['gcs', 'remote', 'cloud'])('refuses the unsupported %s backend (exit 1)', (type) => {
    expectError(
      caught(() => parseBackendRecord(JSON.stringify({ version: 3, backend: { type, config: {} } }), 'b')),
      'terraform-backend-unsupported',
      1,
      `b: error: records the "${type}" backend, but only local, azurerm and s3 are supported; pass what \`terraform output -json\` prints with --outputs instead of --terraform-dir [terraform-backend-unsupported]`,
    );
  });

  it.each([
    ['{"version": 3}'],
    ['{"version": 3, "backend": null}'],
    ['{"version": 3, "backend": {"config": {}}}'],
    ['[]'],
  ])('refuses %s, which has no backend', (text) => {
    expectError(
      caught(() => parseBackendRecord(text, 'b')),
      'terraform-backend-shape',
      3,
      'b: error: has no "backend" with a "type", so it is not the backend record `terraform init` writes; run `terraform init` again in the Terraform folder [terraform-backend-shape]',
    );
  });

  it('refuses a config that is not an object, and text that is not JSON', () => {
    expectError(
      caught(() => parseBackendRecord('{"backend": {"type": "s3", "config": "x"}}', 'b')),
      'terraform-backend-shape',
      3,
      'b: error: has a backend "config" that is not an object; run `terraform init` again in the Terraform folder [terraform-backend-shape]',
    );
    expectError(
      caught(() => parseBackendRecord('{"backend": ', 'b')),
      'terraform-not-json',
      3,
      'b:1:13: error: is not JSON: unexpected end of input; run `terraform init` again in the Terraform folder [terraform-not-json]',
    );
  });
});

describe('readTerraform: the sources of `infra sync`', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  const read = (options: ReadTerraformOptions) => readTerraform(options, TF);
  const fullOutputs = () => parseOutputsJson(fixture('outputs.json'), 'o');

  it('--outputs FILE alone: outputs only, no state, no backend', async () => {
    expect(await read({ outputsFile: 'outputs.json' })).toEqual({
      outputs: fullOutputs(),
      terraformVersion: null,
      lineage: null,
      serial: null,
      stateSha256: null,
      statePath: null,
      backend: null,
    });
  });

  it('--outputs - reads the text given for standard input', async () => {
    const text = fixture('outputs.json');
    expect((await read({ outputsFile: '-', outputsText: text })).outputs).toEqual(fullOutputs());
    expect((await read({ outputsText: text })).outputs).toEqual(fullOutputs());
    const error = await caughtAsync(read({ outputsFile: '-', outputsText: '' }));
    expect(formatStateError(error)).toBe(
      `<stdin>: error: is empty, not JSON; ${OUTPUTS_FIX} [terraform-not-json]`,
    );
    expectError(
      await caughtAsync(read({ outputsFile: '-' })),
      'terraform-no-input',
      2,
      'error: --outputs - needs the text of standard input [terraform-no-input]',
    );
  });

  it('--tfstate FILE alone: outputs, version, lineage, serial and checksum; path as given', async () => {
    expect(await read({ tfstateFile: 'terraform.tfstate' })).toEqual({
      outputs: fullOutputs(),
      terraformVersion: '1.9.8',
      lineage: LINEAGE,
      serial: 12,
      stateSha256: STATE_SHA,
      statePath: 'terraform.tfstate',
      backend: null,
    });
  });

  it('--tfstate and --outputs: the outputs come from --outputs, the identity from the state', async () => {
    const snapshot = await read({
      tfstateFile: 'terraform.tfstate',
      outputsFile: '-',
      outputsText: '{"vnet_name": {"sensitive": false, "type": "string", "value": "other-vnet"}}',
    });
    expect(snapshot.outputs).toEqual({
      vnet_name: { sensitive: false, type: 'string', value: 'other-vnet' },
    });
    expect(snapshot.lineage).toBe(LINEAGE);
    expect(snapshot.stateSha256).toBe(STATE_SHA);
  });

  it('--terraform-dir with a local backend reads the state file it points to', async () => {
    expect(await read({ terraformDir: 'local' })).toEqual({
      outputs: fullOutputs(),
      terraformVersion: '1.9.8',
      lineage: LINEAGE,
      serial: 12,
      stateSha256: STATE_SHA,
      statePath: 'local/terraform.tfstate',
      backend: { type: 'local', config: { path: 'terraform.tfstate' } },
    });
  });

  it('--terraform-dir local and --outputs: outputs from --outputs win', async () => {
    const snapshot = await read({ terraformDir: 'local', outputsFile: '-', outputsText: '{}' });
    expect(snapshot.outputs).toEqual({});
    expect(snapshot.statePath).toBe('local/terraform.tfstate');
    expect(snapshot.serial).toBe(12);
  });

  it('--terraform-dir with --tfstate reads that state file instead', async () => {
    const snapshot = await read({ terraformDir: 'local', tfstateFile: 'lineage-other.tfstate' });
    expect(snapshot.lineage).toBe(OTHER_LINEAGE);
    expect(snapshot.statePath).toBe('lineage-other.tfstate');
    expect(snapshot.backend?.type).toBe('local');
  });

  it('--terraform-dir with an azurerm backend and --outputs: remote state path, no secret', async () => {
    const snapshot = await read({ terraformDir: 'azurerm', outputsFile: 'outputs.json' });
    expect(snapshot).toEqual({
      outputs: fullOutputs(),
      terraformVersion: null,
      lineage: null,
      serial: null,
      stateSha256: null,
      statePath: `azurerm://k0rdenttfstate7f3a/tfstate/${D}.tfstate`,
      backend: { type: 'azurerm', config: AZURERM_CONFIG },
    });
    expectNoSecret(JSON.stringify(snapshot.backend));
  });

  it('--terraform-dir azurerm with a pulled copy of the state: remote path, identity of the copy', async () => {
    const snapshot = await read({ terraformDir: 'azurerm', tfstateFile: 'terraform.tfstate' });
    expect(snapshot.statePath).toBe(`azurerm://k0rdenttfstate7f3a/tfstate/${D}.tfstate`);
    expect(snapshot.lineage).toBe(LINEAGE);
    expect(snapshot.stateSha256).toBe(STATE_SHA);
    expect(snapshot.outputs).toEqual(fullOutputs());
  });

  it('--terraform-dir with an s3 backend and --outputs', async () => {
    const snapshot = await read({ terraformDir: 's3', outputsFile: 'outputs.json' });
    expect(snapshot.statePath).toBe(`s3://k0rdent-tfstate/${D}/terraform.tfstate`);
    expect(snapshot.backend?.type).toBe('s3');
    expectNoSecret(JSON.stringify(snapshot.backend));
  });

  it.each([
    ['azurerm', `azurerm://k0rdenttfstate7f3a/tfstate/${D}.tfstate`],
    ['s3', `s3://k0rdent-tfstate/${D}/terraform.tfstate`],
  ])('--terraform-dir %s alone is refused: the state is remote', async (name, remote) => {
    expectError(
      await caughtAsync(read({ terraformDir: name })),
      'terraform-remote-state',
      2,
      `${name}: error: the ${name} backend keeps the state remotely (${remote}); pass what \`terraform output -json\` prints with --outputs, or a copy of the state (\`terraform state pull > FILE\`) with --tfstate [terraform-remote-state]`,
    );
  });

  it('--terraform-dir without a backend record: the implicit local backend', async () => {
    const snapshot = await readTerraform({ terraformDir: '.' }, TF);
    expect(snapshot.backend).toEqual({ type: 'local', config: {} });
    expect(snapshot.statePath).toBe('terraform.tfstate');
    expect(snapshot.stateSha256).toBe(STATE_SHA);
  });

  it('paths are resolved against cwd and recorded as given', async () => {
    const snapshot = await readTerraform({ terraformDir: 'fixtures/terraform/local' }, repoRoot);
    expect(snapshot.statePath).toBe('fixtures/terraform/local/terraform.tfstate');
    expect(snapshot.stateSha256).toBe(STATE_SHA);
  });

  it('follows the selected workspace of each backend', async () => {
    const local = join(dir, 'ws-local');
    mkdirSync(join(local, '.terraform'), { recursive: true });
    mkdirSync(join(local, 'terraform.tfstate.d', 'staging'), { recursive: true });
    cpSync(join(TF, 'local/.terraform/terraform.tfstate'), join(local, '.terraform/terraform.tfstate'));
    cpSync(join(TF, 'lineage-other.tfstate'), join(local, 'terraform.tfstate.d/staging/terraform.tfstate'));
    writeFileSync(join(local, '.terraform/environment'), 'staging');
    const snapshot = await readTerraform({ terraformDir: 'ws-local' }, dir);
    expect(snapshot.statePath).toBe('ws-local/terraform.tfstate.d/staging/terraform.tfstate');
    expect(snapshot.lineage).toBe(OTHER_LINEAGE);

    const azurerm = join(dir, 'ws-azurerm');
    cpSync(join(TF, 'azurerm'), azurerm, { recursive: true });
    writeFileSync(join(azurerm, '.terraform/environment'), 'staging\n');
    const remote = await readTerraform({ terraformDir: 'ws-azurerm', outputsText: '{}' }, dir);
    expect(remote.statePath).toBe(`azurerm://k0rdenttfstate7f3a/tfstate/${D}.tfstateenv:staging`);
    const chosen = await readTerraform(
      { terraformDir: 'ws-azurerm', outputsText: '{}', workspace: 'default' },
      dir,
    );
    expect(chosen.statePath).toBe(`azurerm://k0rdenttfstate7f3a/tfstate/${D}.tfstate`);

    const s3 = await readTerraform({ terraformDir: 's3', outputsText: '{}', workspace: 'prod' }, TF);
    expect(s3.statePath).toBe(`s3://k0rdent-tfstate/env:/prod/${D}/terraform.tfstate`);
  });

  it('refuses a missing --tfstate, --outputs or --terraform-dir (exit 3)', async () => {
    expectError(
      await caughtAsync(read({ tfstateFile: 'missing.tfstate' })),
      'terraform-file-not-found',
      3,
      'missing.tfstate: error: no such file; check the --tfstate path [terraform-file-not-found]',
    );
    expectError(
      await caughtAsync(read({ outputsFile: 'missing.json' })),
      'terraform-file-not-found',
      3,
      'missing.json: error: no such file; check the --outputs path [terraform-file-not-found]',
    );
    expectError(
      await caughtAsync(read({ terraformDir: 'missing' })),
      'terraform-file-not-found',
      3,
      'missing: error: no such folder; pass the folder `terraform init` ran in with --terraform-dir [terraform-file-not-found]',
    );
  });

  it('refuses a local backend whose state file does not exist yet', async () => {
    const local = join(dir, 'no-state');
    mkdirSync(join(local, '.terraform'), { recursive: true });
    cpSync(join(TF, 'local/.terraform/terraform.tfstate'), join(local, '.terraform/terraform.tfstate'));
    expectError(
      await caughtAsync(readTerraform({ terraformDir: 'no-state' }, dir)),
      'terraform-file-not-found',
      3,
      'no-state/terraform.tfstate: error: no such file; the local backend keeps the state there: run `terraform apply` in the Terraform folder first, or check --terraform-dir [terraform-file-not-found]',
    );
  });

  it('refuses nothing to read (exit 2)', async () => {
    expectError(
      await caughtAsync(read({})),
      'terraform-no-input',
      2,
      'error: nothing to sync from: pass --outputs FILE|- (what `terraform output -json` prints), --tfstate FILE or --terraform-dir DIR [terraform-no-input]',
    );
  });

  it('refuses a folder given as a file, and bytes that are not UTF-8', async () => {
    expectError(
      await caughtAsync(read({ tfstateFile: 'local' })),
      'terraform-not-a-file',
      3,
      'local: error: is a directory, not a file; check the --tfstate path [terraform-not-a-file]',
    );
    writeFileSync(join(dir, 'latin1.json'), Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
    expectError(
      await caughtAsync(readTerraform({ outputsFile: 'latin1.json' }, dir)),
      'terraform-not-utf8',
      3,
      'latin1.json: error: is not UTF-8 text, so it is not JSON from Terraform; regenerate it [terraform-not-utf8]',
    );
  });

  it('reads outputs that PowerShell wrote as UTF-16', async () => {
    const text = fixture('outputs.json');
    writeFileSync(
      join(dir, 'utf16.json'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    );
    expect((await readTerraform({ outputsFile: 'utf16.json' }, dir)).outputs).toEqual(fullOutputs());
  });

  it('passes parser errors through with the path as given', async () => {
    expectError(
      await caughtAsync(read({ tfstateFile: 'tfstate-v3.tfstate' })),
      'tfstate-version',
      3,
      'tfstate-v3.tfstate: error: is Terraform state format version 3, but only format version 4 (Terraform 0.12 and later) is supported; upgrade it by running `terraform apply` with Terraform 0.12 or later, or pass `terraform output -json` with --outputs [tfstate-version]',
    );
    expect((await caughtAsync(read({ outputsFile: 'not-json.json' }))).file).toBe('not-json.json');
  });
});

describe('applyTerraformSync: caching a snapshot in a v2 Document', () => {
  const v2 = (name: string) => readFileSync(join(repoRoot, 'fixtures/v2', name), 'utf8');
  const load = (text: string): Document => parseDocument(text, { version: '1.2' });
  const written = (doc: Document) => serialize(doc, { eol: '\n', bom: false });
  const facts = (doc: Document) => doc.toJS().infrastructure_facts as Record<string, unknown>;
  const expectValid = (doc: Document) => {
    expect(validateData(doc.toJS(), 2).filter((problem) => problem.severity === 'error')).toEqual([]);
    // What the tool writes must read back the same.
    const reread = load(written(doc));
    expect(reread.errors).toEqual([]);
    expect(reread.toJS()).toEqual(doc.toJS());
  };
  const local = () => readTerraform({ terraformDir: 'fixtures/terraform/local' }, repoRoot);
  const sync = (
    doc: Document,
    snapshot: TerraformSnapshot,
    extra: { includeSensitive?: boolean; force?: boolean } = {},
  ) => applyTerraformSync(doc, snapshot, { now: NOW, ...extra });

  it('refuses outputs that alone would not fit under maxBytes, the Document untouched', async () => {
    const doc = load(v2('mid-run.yaml'));
    const before = written(doc);
    const snapshot = await local();
    let error: StateError | undefined;
    try {
      applyTerraformSync(doc, snapshot, { now: NOW, maxBytes: 300 });
    } catch (thrown) {
      error = thrown as StateError;
    }
    expect(error).toBeInstanceOf(StateError);
    if (!error) return;
    expect(error.code).toBe('result-too-large');
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(
      /^refused: the outputs would make the state file over the 300 bytes limit every command reads state files with \(the first \d+ of them alone do\), so nothing could read it afterwards; the file is unchanged \(sync fewer outputs, or raise the limit with --max-size for every command\)$/,
    );
    expectNoSecret(error.message);
    expect(written(doc)).toBe(before);
  });

  it('counts a sensitive output without its value, unless --include-sensitive stores it', () => {
    const outputs = { key: { sensitive: true, value: 'x'.repeat(1000) } };
    const visit = (includeSensitive: boolean) => () => {
      const seen = outputsCap(100, includeSensitive)();
      for (const [name, output] of Object.entries(outputs)) seen(name, output);
    };
    expect(visit(false)).not.toThrow();
    expect(visit(true)).toThrow(/the first 1 of them alone do/);
  });

  it('records the whole infrastructure layer on mid-run.yaml', async () => {
    const doc = load(v2('mid-run.yaml'));
    const summary = sync(doc, await local());
    expectValid(doc);
    const data = doc.toJS();
    expect(data.terraform_state_path).toBe('fixtures/terraform/local/terraform.tfstate');
    expect(data.terraform_backend).toEqual({ type: 'local', config: { path: 'terraform.tfstate' } });
    expect(data.terraform_version).toBe('1.9.8');
    expect(data.last_terraform_sync).toBe('2025-12-12T11:00:00Z');
    expect(Object.keys(facts(doc))).toEqual([
      'source',
      'cache_timestamp',
      'terraform_state_checksum',
      'stale',
      'old_cache_timestamp',
      'outputs',
    ]);
    expect(facts(doc)).toMatchObject({
      source: 'terraform',
      cache_timestamp: '2025-12-12T11:00:00Z',
      terraform_state_checksum: CHECKSUM,
      stale: false,
      old_cache_timestamp: '2025-12-12T10:09:26Z',
    });
    expect(facts(doc).outputs).toEqual({
      resource_group_name: `${D}-resgrp`,
      location: 'westeurope',
      vnet_name: `${D}-vnet`,
      controller_ips: ['10.240.0.4'],
      worker_ips: ['10.240.0.5', '10.240.0.6'],
      vm_details: VM_DETAILS,
      ssh_private_key: { sensitive: true },
      ssh_public_key: expect.stringMatching(/^ssh-ed25519 /),
    });
    expect(summary).toEqual<SyncSummary>({
      added: ['ssh_public_key'],
      removed: ['subnet_name'],
      changed: ['vm_details'],
      sensitive: ['ssh_private_key'],
      statePath: 'fixtures/terraform/local/terraform.tfstate',
      checksum: CHECKSUM,
      forced: [],
      // mid-run.yaml recorded an azurerm backend; this sync reads a local one.
      backendMigrated: {
        from: 'azurerm',
        to: 'local',
        fromPath: 'azurerm://k0rdenttfstate7f3a/tfstate/k0rdent-t6p1w9za.tfstate',
        toPath: 'fixtures/terraform/local/terraform.tfstate',
      },
    });
    expect(doc.toJS().terraform_backend_history).toEqual([
      {
        backend: expect.objectContaining({ type: 'azurerm' }),
        terraform_state_path: 'azurerm://k0rdenttfstate7f3a/tfstate/k0rdent-t6p1w9za.tfstate',
        migration_timestamp: '2025-12-12T11:00:00Z',
      },
    ]);
    expectNoSecret(String(doc));
    expectNoSecret(JSON.stringify(summary));
  });

  it('replaces the migrated v1 facts of migrated.yaml with Terraform outputs', async () => {
    const doc = load(v2('migrated.yaml'));
    const summary = sync(doc, await local());
    expectValid(doc);
    expect(facts(doc)).toMatchObject({
      source: 'terraform',
      stale: false,
      cache_timestamp: '2025-12-12T11:00:00Z',
      old_cache_timestamp: '2025-12-03T09:43:31Z',
      terraform_state_checksum: CHECKSUM,
    });
    expect(Object.keys(facts(doc).outputs as object)).toEqual([
      'vm_details',
      'controller_ips',
      'location',
      'resource_group_name',
      'ssh_private_key',
      'ssh_public_key',
      'vnet_name',
      'worker_ips',
    ]);
    expect(summary.removed).toEqual(['network', 'resource_group', 'ssh_key']);
    expect(summary.changed).toEqual(['vm_details']);
    expect(summary.added).toEqual([
      'controller_ips',
      'location',
      'resource_group_name',
      'ssh_private_key',
      'ssh_public_key',
      'vnet_name',
      'worker_ips',
    ]);
    expectNoSecret(String(doc));
  });

  it('stores a sensitive value only with includeSensitive, and never reports it', async () => {
    const doc = load(v2('mid-run.yaml'));
    const summary = sync(doc, await local(), { includeSensitive: true });
    expectValid(doc);
    const stored = (facts(doc).outputs as Record<string, unknown>).ssh_private_key;
    expect(stored).toEqual({
      sensitive: true,
      value: expect.stringMatching(/^-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE/),
    });
    expect(isSensitiveOutput(stored)).toBe(true);
    expect(summary.changed).toEqual(['ssh_private_key', 'vm_details']);
    expectNoSecret(JSON.stringify(summary));

    // Syncing again without it drops the value.
    const again = applyTerraformSync(doc, await local(), { now: LATER });
    expect((facts(doc).outputs as Record<string, unknown>).ssh_private_key).toEqual({ sensitive: true });
    expect(again.changed).toEqual(['ssh_private_key']);
    expectNoSecret(String(doc));
  });

  it('a second sync of the same state changes nothing but the times', async () => {
    const doc = load(v2('mid-run.yaml'));
    sync(doc, await local());
    const summary = applyTerraformSync(doc, await local(), { now: LATER });
    expect(summary).toMatchObject({ added: [], removed: [], changed: [], forced: [] });
    expect(facts(doc)).toMatchObject({
      cache_timestamp: '2025-12-12T12:30:00Z',
      old_cache_timestamp: '2025-12-12T11:00:00Z',
    });
    expect(doc.toJS().last_terraform_sync).toBe('2025-12-12T12:30:00Z');
    expectValid(doc);
  });

  it('an outputs-only sync records no checksum or version, and the remote state path', async () => {
    const doc = load(v2('mid-run.yaml'));
    const snapshot = await readTerraform(
      { terraformDir: 'fixtures/terraform/azurerm', outputsFile: 'fixtures/terraform/outputs.json' },
      repoRoot,
    );
    const summary = sync(doc, snapshot);
    expectValid(doc);
    const data = doc.toJS();
    expect(data.terraform_state_path).toBe(`azurerm://k0rdenttfstate7f3a/tfstate/${D}.tfstate`);
    expect(data.terraform_backend).toEqual({ type: 'azurerm', config: AZURERM_CONFIG });
    expect(data.terraform_version).toBeNull();
    expect(facts(doc).terraform_state_checksum).toBeNull();
    expect(summary.checksum).toBeNull();
    expectNoSecret(String(doc));
  });

  it('a sync of outputs alone records no backend and no state path', async () => {
    const doc = load(v2('mid-run.yaml'));
    sync(doc, await readTerraform({ outputsFile: 'outputs.json' }, TF));
    expectValid(doc);
    expect(doc.toJS().terraform_backend).toBeNull();
    expect(doc.toJS().terraform_state_path).toBeNull();
  });

  it('fills the empty flow-style outputs of fresh.yaml as a block, without old_cache_timestamp', async () => {
    const doc = load(v2('fresh.yaml'));
    const summary = sync(doc, await local());
    expectValid(doc);
    expect(facts(doc)).not.toHaveProperty('old_cache_timestamp');
    expect(summary.added).toHaveLength(8);
    expect(written(doc)).toMatch(/\n {2}outputs:\n {4}controller_ips:\n/);
  });

  it('drops an old_cache_timestamp left from before when there was no cache', async () => {
    const text = v2('fresh.yaml').replace(
      '  stale: false\n',
      '  stale: false\n  old_cache_timestamp: "2025-01-01T00:00:00Z"\n',
    );
    const doc = load(text);
    sync(doc, await local());
    expect(facts(doc)).not.toHaveProperty('old_cache_timestamp');
    expectValid(doc);
  });

  it('keeps the comments of the document', async () => {
    const original = `# deployment state, do not edit by hand\n${v2('mid-run.yaml')
      .replace('terraform_version: "1.9.8"', 'terraform_version: "1.9.8"  # pinned in CI')
      .replace('infrastructure_facts:\n', '# cached from Terraform\ninfrastructure_facts:\n')
      .replace(
        '    location: "westeurope"',
        '    # the Azure region\n    location: "westeurope"  # never changes',
      )
      .replace('  stale: false', '  stale: false  # set by infra sync')
      .replace('current_run_id:', '# the run in progress\ncurrent_run_id:')}`;
    const doc = load(original);
    sync(doc, await local());
    const text = written(doc);
    for (const comment of [
      '# deployment state, do not edit by hand',
      'terraform_version: 1.9.8 # pinned in CI',
      '# cached from Terraform\ninfrastructure_facts:',
      '    # the Azure region\n    location: westeurope # never changes',
      'stale: false # set by infra sync',
      '# the run in progress\ncurrent_run_id:',
    ]) {
      expect(text.replace(/"/g, '')).toContain(comment);
    }
    expectValid(doc);
  });

  it('adds the infrastructure keys in the documented order when they are missing', async () => {
    const doc = load(v2('mid-run.yaml'));
    for (const key of [
      'terraform_state_path',
      'terraform_backend',
      'terraform_version',
      'last_terraform_sync',
    ]) {
      doc.delete(key);
    }
    (doc.get('infrastructure_facts') as { delete(key: string): void }).delete('outputs');
    sync(doc, await local());
    const keys = Object.keys(doc.toJS());
    const at = keys.indexOf('config');
    expect(keys.slice(at, at + 7)).toEqual([
      'config',
      'deployment_flags',
      'terraform_state_path',
      'terraform_backend',
      'terraform_version',
      'last_terraform_sync',
      'infrastructure_facts',
    ]);
    expect(Object.keys(facts(doc)).at(-1)).toBe('outputs');
    expectValid(doc);
  });

  describe('lineage and serial checks', () => {
    const synced = async () => {
      const doc = load(v2('mid-run.yaml'));
      sync(doc, fromStateSync('terraform.tfstate'));
      return doc;
    };

    it('does not check a file whose checksum records no lineage (mid-run.yaml)', async () => {
      const doc = load(v2('mid-run.yaml'));
      expect(sync(doc, fromStateSync('lineage-other.tfstate')).forced).toEqual([]);
    });

    it('refuses a state of another lineage and leaves the document as it was', async () => {
      const doc = await synced();
      const before = String(doc);
      const error = caught(() =>
        applyTerraformSync(doc, fromStateSync('lineage-other.tfstate'), { now: LATER }),
      );
      expectError(
        error,
        'terraform-lineage-changed',
        1,
        `error: the Terraform state has lineage ${OTHER_LINEAGE}, but the cached facts came from lineage ${LINEAGE}: it is another state (another deployment, or one recreated from scratch); check the Terraform folder, or pass --force if the state was really replaced [terraform-lineage-changed]`,
      );
      expect(String(doc)).toBe(before);
    });

    it('accepts another lineage with force', async () => {
      const doc = await synced();
      const summary = applyTerraformSync(doc, fromStateSync('lineage-other.tfstate'), {
        now: LATER,
        force: true,
      });
      expect(summary.forced).toEqual(['terraform-lineage-changed']);
      expect(facts(doc).terraform_state_checksum).toBe(
        `sha256:37469d37ff938f76f870b53ed2a3a68055dbc7442887a5b3867b23d2002d9941 lineage=${OTHER_LINEAGE} serial=12`,
      );
      expectValid(doc);
    });

    it('refuses an older serial of the same lineage, and accepts it with force', async () => {
      const doc = await synced();
      const older = fromStateSync(
        'older.tfstate',
        fixture('terraform.tfstate').replace('"serial": 12', '"serial": 11'),
      );
      const before = String(doc);
      expectError(
        caught(() => applyTerraformSync(doc, older, { now: LATER })),
        'terraform-serial-older',
        1,
        `error: the Terraform state has serial 11, older than serial 12 the cached facts came from (lineage ${LINEAGE}); syncing would roll the cache back: read the current state, or pass --force to accept the older one [terraform-serial-older]`,
      );
      expect(String(doc)).toBe(before);
      const summary = applyTerraformSync(doc, older, { now: LATER, force: true });
      expect(summary.forced).toEqual(['terraform-serial-older']);
      expect(facts(doc).terraform_state_checksum).toMatch(/ serial=11$/);
    });

    it('accepts the same or a newer serial', async () => {
      const doc = await synced();
      const newer = fromStateSync(
        'newer.tfstate',
        fixture('terraform.tfstate').replace('"serial": 12', '"serial": 13'),
      );
      expect(applyTerraformSync(doc, newer, { now: LATER }).forced).toEqual([]);
      expect(facts(doc).terraform_state_checksum).toMatch(/ serial=13$/);
      expect(applyTerraformSync(doc, newer, { now: LATER }).forced).toEqual([]);
    });

    it('does not check an outputs-only sync, which then records no checksum', async () => {
      const doc = await synced();
      const summary = sync(doc, await readTerraform({ outputsFile: 'outputs.json' }, TF));
      expect(summary.forced).toEqual([]);
      expect(facts(doc).terraform_state_checksum).toBeNull();
    });

    it('never puts a sensitive value in a refusal', async () => {
      const doc = await synced();
      const error = caught(() =>
        applyTerraformSync(doc, fromStateSync('lineage-other.tfstate'), {
          now: LATER,
          includeSensitive: true,
        }),
      );
      expectNoSecret(formatStateError(error));
    });
  });

  it('refuses a document that is not v2', () => {
    const doc = load(readFileSync(join(repoRoot, 'fixtures/v1/mid-deploy.yaml'), 'utf8'));
    const error = caught(() => sync(doc, fromStateSync('terraform.tfstate')));
    expect(error.code).toBe('terraform-sync-not-v2');
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/^has schema_version .*, but infra sync writes v2 files; migrate it first/);
  });
});

describe('isSensitiveOutput', () => {
  it.each([
    [{ sensitive: true }, true],
    [{ sensitive: true, value: 'x' }, true],
    [{ sensitive: false, value: 'x' }, false],
    [{ sensitive: 'true' }, false],
    ['sensitive', false],
    [null, false],
    [[{ sensitive: true }], false],
    [{ name: 'rg', status: 'created' }, false],
  ])('%j → %s', (value, expected) => {
    expect(isSensitiveOutput(value)).toBe(expected);
  });
});

function fromStateSync(file: string, text?: string): TerraformSnapshot {
  const state = parseTfstate(text ?? readFileSync(join(TF, file), 'utf8'), file);
  return { ...state, statePath: file, backend: null };
}
