#!/usr/bin/env node
// Builds what bin/k0rdent-state.js runs (part of `npm run build`, after tsc):
//   dist/cli/fast-auto.cjs          the `migrate --auto` nothing-to-do check (no dependency)
//   dist/cli/k0rdent-state.cjs      the whole CLI, bundled by esbuild into one CommonJS file
//   dist/cli/k0rdent-state.cjs.cache  V8's code cache of it, made by running a few commands
//
// One CommonJS file because a cold call is mostly loading: Node's ES module loader alone costs
// about a quarter of `node -e 0`, and many small modules cost more than one. Inside the bundle
// each command stays lazy (esbuild keeps a module reached by import() uninitialised until then),
// so a command runs only the code it needs. The code cache spares V8 compiling that code: it is
// made here by running the commands the deployer calls most (get, runtime set, phase set, ...)
// in-process on copies of fixtures, then asking V8 for the cache. See bench/RESULTS.md.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cli');

/**
 * The commands whose code goes into the cache, each on a fresh copy of a fixture: what the
 * deployer calls most, and `validate` (pre-commit hooks and CI check many files in one call).
 * Each write changes the fixture: a no-op write stops before the validator, whose code would then
 * be compiled on every cold write instead of coming from the cache.
 */
export const TRAINING = [
  ['v2/several-runs.yaml', 'get', 'location', '--max-age', '1000d'],
  ['v2/several-runs.yaml', 'get', 'wireguard_config.vpn_connected'],
  ['v2/several-runs.yaml', 'runtime', 'set', 'wireguard_config.vpn_connected', 'false'],
  ['v2/several-runs.yaml', 'phase', 'set', 'install_k0s', 'in_progress'],
  ['v2/several-runs.yaml', 'phase', 'status', 'install_k0s'],
  ['v2/several-runs.yaml', 'phase', 'needs-run', 'install_k0s'],
  ['v2/several-runs.yaml', 'vm', 'info', 'k0rdent-g9s4h2lm-controller', 'public_ip', '--max-age', '1000d'],
  ['v1/e5-deployer.yaml', 'validate'],
  // A v1 file with a schema error: the quick validator answers for valid files, so only such a
  // file compiles the full one (and the placing of its problems).
  ['invalid/v1-bad-phase-status.yaml', 'validate'],
  ['v2/several-runs.yaml', 'validate'],
];

/** The adapter functions whose code goes into the cache (shell/state-management.sh's fallback). */
export const ADAPTER_TRAINING = [
  ['v2/several-runs.yaml', 'get_state', 'wg_vpn_connected'],
  ['v2/several-runs.yaml', 'phase_status', 'install_k0s'],
  ['v2/several-runs.yaml', 'update_state', 'wg_vpn_connected', 'false'],
  ['v2/several-runs.yaml', 'update_runtime_state', 'k0rdent_install_state.namespace', 'ns-train'],
  ['v2/several-runs.yaml', 'phase_mark_in_progress', 'install_k0s'],
  ['v2/several-runs.yaml', 'get_wireguard_ip', 'mylaptop'],
];

/**
 * The generated validators load ajv's helpers with `createRequire(import.meta.url)`, which a
 * CommonJS bundle has no use for: without that line their `require("ajv/...")` calls are the
 * bundle's own, and esbuild includes the helpers.
 */
const generatedRequire = {
  name: 'generated-require',
  setup(setup) {
    setup.onLoad({ filter: /[\\/]src[\\/]generated[\\/]validate-v\d+\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const line = 'const require = createRequire(import.meta.url);';
      if (!text.includes(line)) throw new Error(`${args.path} has no "${line}"`);
      return {
        contents: text.replace(line, '').replace("import { createRequire } from 'node:module';", ''),
        loader: 'ts',
      };
    });
  },
};

async function bundle() {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: {
      'k0rdent-state': join(root, 'src', 'cli', 'bundle-entry.ts'),
      'fast-auto': join(root, 'src', 'cli', 'fast-auto.ts'),
    },
    outdir: out,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [generatedRequire],
    // jsonc-parser's `main` is a UMD wrapper whose require() calls esbuild cannot follow; its
    // `module` entry is the same code as ES modules, which esbuild bundles (and tree-shakes).
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
}

/**
 * bin/load.js reads the bundle as Latin-1, which costs half what decoding UTF-8 does; that is
 * only right for an ASCII file. esbuild writes non-ASCII characters of strings as escapes, but
 * not those of every regular expression: any left is reported here, with where it is.
 */
async function assertAscii() {
  const file = join(out, 'k0rdent-state.cjs');
  const text = await readFile(file, 'utf8');
  let at = 0;
  while (at < text.length && text.charCodeAt(at) < 0x80) at++;
  if (at < text.length) {
    throw new Error(
      `${file} is not ASCII at offset ${at} (${JSON.stringify(text.slice(Math.max(0, at - 40), at + 40))}): write the character as an escape in its source`,
    );
  }
}

async function train() {
  const require = createRequire(import.meta.url);
  const { loadCli, CACHE } = require(join(root, 'bin', 'load.js'));
  rmSync(CACHE, { force: true });
  const { cli, script } = loadCli({ cache: false });
  const work = mkdtempSync(join(tmpdir(), 'k0rdent-state-train-'));
  try {
    for (const [fixture, ...argv] of TRAINING) {
      const file = join(work, 'state.yaml');
      copyFileSync(join(root, 'fixtures', fixture), file);
      const io = cli.memoryIO({ cwd: work, env: { K0RDENT_STATE_NOW: '2026-01-01T00:00:00Z' } });
      const code = await cli.run([...argv, '--file', file], io);
      if (code > 1) throw new Error(`training run ${argv.join(' ')} exited ${code}: ${io.err}`);
    }
    // The bash adapter's hottest functions, as one process per call runs them.
    for (const [fixture, name, ...args] of ADAPTER_TRAINING) {
      const file = join(work, 'state.yaml');
      copyFileSync(join(root, 'fixtures', fixture), file);
      const call = { name, args, cwd: work, stateFile: file, eventsFile: '', now: '2026-01-01T00:00:00Z' };
      const result = await cli.callAdapter(call);
      if (result.code > 1) throw new Error(`training call ${name} exited ${result.code}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(CACHE, script.createCachedData());
}

await bundle();
await assertAscii();
if (!process.argv.includes('--no-cache')) await train();
