// The npm package: `npm pack` yields the compiled CLI, the typed library API, the schemas and the
// bash adapter; installed into a fresh project (dependencies from the registry), its bin runs,
// its API imports, its types check, and the adapter works. Expects a built dist/ (npm test builds
// first); the pack itself runs no scripts, so it never rebuilds dist/ under the other tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, repoRoot } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};

/** The environment without what a parent `npm test` exports (npm_config_prefix would redirect installs). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'INIT_CWD') env[key] = value;
  }
  return { ...env, NO_COLOR: '1', npm_config_audit: 'false', npm_config_fund: 'false', ...extra };
}

function sh(command: string, args: string[], cwd: string, env = cleanEnv()) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, out: result.stdout ?? '', err: result.stderr ?? '' };
}

interface PackResult {
  filename: string;
  files: { path: string }[];
}

describe('npm pack', () => {
  let dir = '';
  let project = '';
  let packed: PackResult | undefined;

  beforeAll(async () => {
    if (!existsSync(join(repoRoot, 'dist/src/index.js'))) {
      throw new Error('dist/ is not built: run npm run build (npm test does) before this test');
    }
    dir = await makeTempDir();
    const pack = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], repoRoot);
    expect(pack.code, pack.err).toBe(0);
    packed = (JSON.parse(pack.out) as PackResult[])[0];
    project = join(dir, 'consumer');
    await mkdir(project);
    await writeFile(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`,
    );
    const install = sh(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--ignore-scripts',
        join(dir, packed?.filename ?? ''),
      ],
      project,
    );
    expect(install.code, install.err).toBe(0);
  }, 180_000);

  afterAll(() => removeTempDir(dir));

  it('contains the compiled CLI, the typed API, the schemas and the bash adapter, and no sources or tests', () => {
    const files = (packed?.files ?? []).map((file) => file.path);
    for (const expected of [
      'package.json',
      'README.md',
      'CHANGELOG.md',
      'SECURITY.md',
      'LICENSE',
      'bin/k0rdent-state.js',
      'bin/load.js',
      'bin/package.json',
      'dist/cli/k0rdent-state.cjs',
      'dist/cli/k0rdent-state.cjs.cache',
      'dist/cli/fast-auto.cjs',
      'dist/src/cli/main.js',
      'dist/src/cli/run.js',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/generated/deployment-state.v2.d.ts',
      'schemas/deployment-state.v1.schema.json',
      'schemas/deployment-state.v2.schema.json',
      'shell/state-management.sh',
    ]) {
      expect(files, expected).toContain(expected);
    }
    expect(files.filter((file) => /^(src|test|fixtures|scripts|bench)\//.test(file))).toEqual([]);
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    expect(files.some((file) => file.startsWith('dist/test/'))).toBe(false);
  });

  it('its bin runs the bundle, which needs nothing but Node.js built-ins', () => {
    const bin = readFileSync(
      join(project, 'node_modules', 'k0rdent-state', 'bin', 'k0rdent-state.js'),
      'utf8',
    );
    expect(bin).toContain("require('../dist/cli/fast-auto.cjs')");
    expect(bin).toContain("require('./load.js')");
    const bundle = readFileSync(
      join(project, 'node_modules', 'k0rdent-state', 'dist', 'cli', 'k0rdent-state.cjs'),
      'utf8',
    );
    const required = new Set([...bundle.matchAll(/\brequire\("([^"]+)"\)/g)].map((match) => match[1] ?? ''));
    // ajv's helpers name themselves in a string (their `code` property), not in a call.
    const foreign = [...required].filter(
      (id) =>
        !id.startsWith('node:') && !builtinModules.includes(id) && !bundle.includes(`'require("${id}")`),
    );
    expect(foreign).toEqual([]);
  });

  it('its bin validates a file, with the exit codes of the CLI', async () => {
    const bin = join(project, 'node_modules', '.bin', 'k0rdent-state');
    await copyFile(join(repoRoot, 'fixtures/v2/fresh.yaml'), join(project, 'ok.yaml'));
    await copyFile(join(repoRoot, 'fixtures/invalid/v1-legacy-bool-maybe.yaml'), join(project, 'bad.yaml'));
    const ok = sh(bin, ['validate', 'ok.yaml'], project);
    expect(ok).toEqual({ code: 0, out: '', err: '1 file checked: 1 valid, 0 invalid, 0 warnings\n' });
    const bad = sh(bin, ['validate', 'bad.yaml'], project);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^bad\.yaml:25:19: error: wg_vpn_connected is "maybe"/);
    expect(sh(bin, ['--version'], project).out.trim()).toBe(pkg.version);
    const schema = sh(bin, ['schema', 'v2'], project);
    expect(JSON.parse(schema.out)).toEqual(
      JSON.parse(readFileSync(join(repoRoot, 'schemas/deployment-state.v2.schema.json'), 'utf8')),
    );
  });

  it('its library API imports from the package name, and the schemas from their subpath', async () => {
    await writeFile(
      join(project, 'use.mjs'),
      [
        "import { validateStateFile, readStateFile, migrateParsed, LATEST_VERSION, TOOL_VERSION, StateError, schemaV2, run, memoryIO } from 'k0rdent-state';",
        "import schemaFile from 'k0rdent-state/schemas/deployment-state.v2.schema.json' with { type: 'json' };",
        "const ok = await validateStateFile('ok.yaml');",
        "const bad = await validateStateFile('bad.yaml');",
        "const parsed = await readStateFile('bad.yaml');",
        'let refused = null;',
        'try { migrateParsed(parsed, { text: parsed.text, eol: "\\n", bom: false }, { now: new Date() }); } catch (error) { refused = error instanceof StateError ? error.code : String(error); }',
        'const io = memoryIO({ cwd: process.cwd() });',
        "const code = await run(['validate', 'ok.yaml'], io);",
        'console.log(JSON.stringify({ ok: ok.valid, okVersion: ok.version, bad: bad.problems.map((p) => p.code), refused, latest: LATEST_VERSION, tool: TOOL_VERSION, sameSchema: JSON.stringify(schemaV2) === JSON.stringify(schemaFile), code, err: io.err }));',
      ].join('\n'),
    );
    const result = sh(process.execPath, ['use.mjs'], project);
    expect(result.err).toBe('');
    expect(JSON.parse(result.out)).toEqual({
      ok: true,
      okVersion: 2,
      bad: ['schema-enum'],
      refused: 'input-invalid',
      latest: 2,
      tool: pkg.version,
      sameSchema: true,
      code: 0,
      err: '1 file checked: 1 valid, 0 invalid, 0 warnings\n',
    });
  });

  it('its types resolve through "exports" and every shipped declaration compiles (NodeNext, strict, skipLibCheck: false)', async () => {
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          // The default: a consumer's tsc checks the package's .d.ts files too.
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(repoRoot, 'node_modules', '@types')],
        },
        // Every declaration the package ships, not only those consumer.ts reaches.
        files: ['consumer.ts'],
        include: ['node_modules/k0rdent-state/dist/**/*.d.ts'],
      }),
    );
    await writeFile(
      join(project, 'consumer.ts'),
      [
        "import { type DeploymentStateV2, LATEST_VERSION, type Problem, type ValidationResult, validateStateFile } from 'k0rdent-state';",
        "const result: ValidationResult = await validateStateFile('ok.yaml');",
        'const first: Problem | undefined = result.problems[0];',
        "const flags: DeploymentStateV2['deployment_flags'] = { azure_children: false, kof: true };",
        'const version: number = LATEST_VERSION;',
        '// @ts-expect-error: schema_version of a v2 file is 2',
        "const wrong: DeploymentStateV2['schema_version'] = 3;",
        '// @ts-expect-error: validateStateFile takes a path',
        'await validateStateFile(42);',
        'export { first, flags, version, wrong };',
      ].join('\n'),
    );
    const tsc = sh(
      process.execPath,
      [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project],
      project,
    );
    expect(`${tsc.out}${tsc.err}`).toBe('');
    expect(tsc.code).toBe(0);
    // Checking every declaration (Node's included) takes tsc several seconds.
  }, 180_000);

  it('its bash adapter runs the installed CLI found on PATH', async () => {
    await mkdir(join(project, 'state'), { recursive: true });
    await copyFile(
      join(repoRoot, 'fixtures/v2/mid-run.yaml'),
      join(project, 'state', 'deployment-state.yaml'),
    );
    const script = [
      'set -e',
      'source node_modules/k0rdent-state/shell/state-management.sh',
      'phase_is_applicable install_k0s && echo applies',
      'phase_status prepare_deployment',
    ].join('\n');
    const env = cleanEnv({ PATH: `${join(project, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` });
    const result = sh('bash', ['-c', script], project, env);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out.split('\n')[0]).toBe('applies');
  });
});
