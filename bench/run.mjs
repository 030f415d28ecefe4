#!/usr/bin/env node
// The benchmark of issue 6 (`npm run bench`): generates its inputs into bench/.work/, runs each
// target against its baseline as child processes, alternating A B A B…, and prints every figure
// with its median, spread, ratio and PASS/FAIL. Exit code 1 when a target fails.
//
//   node bench/run.mjs [--runs N] [--only auto,validate,migrate,memory,cold,adapter,big,scaling,...] [--write] [--build]
//
// --runs N   rounds per target (default 11; at least 7 is sensible). The 8x migration runs
//            at most ceil(N / 2) + 1 times, as it takes seconds.
// --only     a comma-separated list of rows: auto, validate, migrate, memory, cold, and the scaling rows
//            of issue 13 (each or all with `scaling`): unknown-keys, big-file, v2-keys,
//            sync-outputs, sync-outputs-cap, flow-map.
// --scale-runs N  rounds of each size in the scaling rows (default 3; each run takes seconds
//            to a minute or two).
// --write    also write bench/RESULTS.md with the figures, the machine and the date.
// --build    rebuild dist/ first (it is rebuilt anyway when missing or older than the sources).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adapterCallRows, bigGetRow, nodeBaseline, replayRow } from './adapter.mjs';
import {
  bigV1,
  manyKeysV2,
  manyOutputs,
  unknownKeysV1,
  writeMigrateSet,
  writeValidateSet,
} from './generate.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, 'bench', '.work');
const bin = join(root, 'bin', 'k0rdent-state.js');
const ajvCli = join(root, 'node_modules', 'ajv-cli', 'dist', 'index.js');
const node = process.execPath;

const TARGETS = {
  autoRatio: 1.25, // migrate --auto on a v2 file vs node -e 0
  validateRatio: 0.5, // validate of 1,000 v1 files vs ajv-cli
  migrateMs: 2000, // migrate a v1 file with 300 VMs and 20,000 events
  doubling: 2.3, // cost of doubling the migration input
  memoryMB: 200, // peak RSS of validating 1,000 files
  coldRatio: 1.5, // CPU of one cold get / runtime set / phase set vs node -e 0 (issue 11 item 2)
};

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : fallback;
}
const runs = Math.max(3, Number(option('--runs', '11')));
const SCALING_ROWS = ['unknown-keys', 'big-file', 'v2-keys', 'sync-outputs', 'sync-outputs-cap', 'flow-map'];
const only = new Set(
  (option('--only', `auto,validate,migrate,memory,cold,adapter,big,${SCALING_ROWS.join(',')}`) ?? '')
    .split(',')
    .flatMap((name) => (name === 'scaling' ? SCALING_ROWS : [name])),
);
const scaleRuns = Math.max(1, Number(option('--scale-runs', '3')));
const log = (text) => process.stderr.write(`${text}\n`);

// --- building -------------------------------------------------------------------------------

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function ensureBuilt() {
  // The bin runs the bundle (dist/cli/), made after tsc by the same build.
  const marker = join(root, 'dist', 'cli', 'k0rdent-state.cjs');
  const sources = Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'migrations')));
  if (process.argv.includes('--build') || !existsSync(marker) || statSync(marker).mtimeMs < sources) {
    log('building dist/ (npm run build: tsc, then the bundle and its code cache) ...');
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  }
}

// --- measuring ------------------------------------------------------------------------------

/** Runs a command to its end; returns wall time (ms), exit code and output. */
function timed(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error) throw result.error;
  return { ms, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1) + 0.5))];
  return {
    median: median(values),
    min: sorted[0],
    max: sorted.at(-1),
    q1: q(0.25),
    q3: q(0.75),
    n: values.length,
  };
}

const ms = (value) => `${value.toFixed(0)} ms`;
const spread = (s) => `${s.min.toFixed(0)}–${s.max.toFixed(0)} (IQR ${s.q1.toFixed(0)}–${s.q3.toFixed(0)})`;

/** Alternates A and B `rounds` times (A B A B …) and returns the times of each. */
function alternate(rounds, a, b) {
  const times = { a: [], b: [] };
  // One warm-up of each (file cache, page cache of node and the modules); not counted.
  a();
  b();
  for (let i = 0; i < rounds; i++) {
    times.a.push(a());
    times.b.push(b());
  }
  return { a: stats(times.a), b: stats(times.b) };
}

/**
 * Runs node with `args` once, its peak RSS taken inside it at exit
 * (process.resourceUsage().maxRSS); returns ms, RSS (MB, NaN when it wrote none), exit code.
 */
function peakRss(args, env = {}) {
  const hook = join(work, 'max-rss.cjs');
  const out = join(work, 'max-rss.txt');
  writeFileSync(
    hook,
    "process.on('exit', () => require('node:fs').writeFileSync(process.env.BENCH_MAX_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
  );
  rmSync(out, { force: true });
  const result = timed(node, ['--require', hook, ...args], { env: { BENCH_MAX_RSS_FILE: out, ...env } });
  const mb = existsSync(out) ? Number(readFileSync(out, 'utf8')) / 1024 : Number.NaN;
  return { ms: result.ms, mb, status: result.status, stderr: result.stderr };
}

const results = [];
function record(id, figure, value, target, pass, detail) {
  results.push({ id, figure, value, target, pass, detail });
  log(`  ${pass ? 'PASS' : 'FAIL'}  ${figure}: ${value} (target ${target})${detail ? `; ${detail}` : ''}`);
}

function fail(message) {
  log(`bench: ${message}`);
  process.exit(2);
}

// --- targets --------------------------------------------------------------------------------

function benchAuto() {
  log(`\n[1] migrate --auto on a current v2 file vs node -e 0 (${runs} rounds, A B A B ...)`);
  const dir = join(work, 'auto', 'state');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'deployment-state.yaml');
  copyFileSync(join(root, 'fixtures', 'v2', 'several-runs.yaml'), file);
  const before = readFileSync(file, 'utf8');
  const check = timed(node, [bin, 'migrate', '--auto', file]);
  if (
    check.status !== 0 ||
    check.stdout !== '' ||
    check.stderr !== '' ||
    readFileSync(file, 'utf8') !== before
  ) {
    fail(`migrate --auto on a v2 file should be silent, exit 0 and change nothing: ${check.stderr}`);
  }
  const t = alternate(
    runs,
    () => timed(node, ['-e', '0']).ms,
    () => timed(node, [bin, 'migrate', '--auto', file]).ms,
  );
  const ratio = t.b.median / t.a.median;
  record(
    'auto',
    '`migrate --auto` (v2 file) / `node -e 0`',
    `${ratio.toFixed(2)}× (${ms(t.b.median)} / ${ms(t.a.median)})`,
    `≤ ${TARGETS.autoRatio}×`,
    ratio <= TARGETS.autoRatio,
    `node -e 0 ${spread(t.a)}; migrate --auto ${spread(t.b)}`,
  );
}

let validateSet;
function ensureValidateSet() {
  validateSet ??= (() => {
    log('  generating 1,000 v1 files from fixtures/v1/ ...');
    return writeValidateSet(root, join(work, 'validate'));
  })();
  return validateSet;
}

function validateArgs(set) {
  const dir = join(work, 'validate');
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => relative(root, join(dir, name)));
  if (files.length !== set.count) fail(`expected ${set.count} files in ${dir}`);
  return [bin, 'validate', ...files];
}

function ajvArgs() {
  return [
    ajvCli,
    'validate',
    '--spec=draft2020',
    '-c',
    'ajv-formats',
    '--allow-union-types',
    // Strict mode off: it refuses the editor annotations in the schemas (markdownDescription);
    // it only checks schemas, not data.
    '--strict=false',
    '--all-errors',
    '-s',
    'schemas/deployment-state.v1.schema.json',
    '-d',
    `${relative(root, join(work, 'validate'))}/*.yaml`,
  ];
}

async function benchValidate() {
  log(`\n[2] validate 1,000 v1 files vs ajv-cli 5 on the same files (${runs} rounds, A B A B ...)`);
  const set = await ensureValidateSet();
  log(`  ${set.count} files, ${set.averageBytes} bytes on average, from ${set.templates} templates`);
  const ours = validateArgs(set);
  const ajv = ajvArgs();
  // Both must agree: exactly the one broken file is invalid, and ours says where.
  const mine = timed(node, ours);
  const theirs = timed(node, ajv);
  const where = `${relative(root, join(work, 'validate', set.invalid.name))}:${set.invalid.line}:${set.invalid.col}: error:`;
  if (mine.status !== 1 || !mine.stdout.split('\n').some((line) => line.startsWith(where))) {
    fail(
      `validate should exit 1 and report ${where} …; got exit ${mine.status}:\n${mine.stdout.slice(0, 2000)}`,
    );
  }
  if (!/1,?000 files checked: 999 valid, 1 invalid/.test(mine.stderr)) {
    fail(`validate should find 999 valid files and 1 invalid: ${mine.stderr}`);
  }
  const ajvInvalid = (theirs.stderr + theirs.stdout).split('\n').filter((line) => / invalid$/.test(line));
  if (theirs.status !== 1 || ajvInvalid.length !== 1 || !ajvInvalid[0].includes(set.invalid.name)) {
    fail(`ajv-cli should find exactly ${set.invalid.name} invalid: ${ajvInvalid.join('; ')}`);
  }
  log(`  checked: the invalid file is reported as ${where} …`);
  const t = alternate(
    runs,
    () => timed(node, ajv).ms,
    () => timed(node, ours).ms,
  );
  const ratio = t.b.median / t.a.median;
  record(
    'validate',
    '`validate` 1,000 v1 files / ajv-cli',
    `${ratio.toFixed(2)}× (${ms(t.b.median)} / ${ms(t.a.median)})`,
    `≤ ${TARGETS.validateRatio}×`,
    ratio <= TARGETS.validateRatio,
    `ajv-cli ${spread(t.a)}; validate ${spread(t.b)}; line:col checked on the invalid file`,
  );
}

async function benchMemory() {
  log('\n[4] peak memory (max RSS of the child) of validating 1,000 files');
  const set = await ensureValidateSet();
  const ours = [];
  const theirs = [];
  for (let i = 0; i < 3; i++) {
    ours.push(peakRss(validateArgs(set)).mb);
    theirs.push(peakRss(ajvArgs()).mb);
  }
  const peak = Math.max(...ours);
  record(
    'memory',
    'peak RSS, `validate` 1,000 files',
    `${peak.toFixed(0)} MB`,
    `< ${TARGETS.memoryMB} MB`,
    peak < TARGETS.memoryMB,
    `max of 3 runs; ajv-cli ${Math.max(...theirs).toFixed(0)} MB`,
  );
}

async function benchMigrate() {
  const scales = [1, 2, 4, 8];
  log(`\n[3] migrate (apply) a v1 file with 300 VMs and 20,000 inline events, and at 2x, 4x, 8x`);
  log('  generating the inputs ...');
  const inputs = await writeMigrateSet(root, join(work, 'migrate-inputs'), scales);
  const times = new Map(scales.map((scale) => [scale, []]));
  const migrateOnce = (input) => {
    const dir = join(work, 'migrate', `${input.scale}x`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'state'), { recursive: true });
    const file = join(dir, 'state', 'deployment-state.yaml');
    copyFileSync(input.file, file);
    const result = timed(node, [bin, 'migrate', '--max-size', '256MiB', file]);
    if (result.status !== 0 || !/^schema_version: 2$/m.test(readFileSync(file, 'utf8'))) {
      fail(`migrate ${input.scale}x failed (exit ${result.status}): ${result.stderr.slice(0, 2000)}`);
    }
    return result.ms;
  };
  // Warm-up, then rounds that go through every scale in turn (the 8x one in fewer rounds).
  for (const input of inputs) migrateOnce(input);
  const bigRounds = Math.ceil(runs / 2) + 1;
  for (let round = 0; round < runs; round++) {
    for (const input of inputs) {
      if (input.scale === 8 && round >= bigRounds) continue;
      times.get(input.scale).push(migrateOnce(input));
    }
  }
  const s = new Map(scales.map((scale) => [scale, stats(times.get(scale))]));
  const base = s.get(1);
  record(
    'migrate',
    'migrate 300 VMs + 20,000 events (1×)',
    `${ms(base.median)} (${(inputs[0].bytes / 1024 / 1024).toFixed(1)} MB)`,
    `< ${TARGETS.migrateMs} ms`,
    base.median < TARGETS.migrateMs,
    spread(base),
  );
  for (let i = 1; i < scales.length; i++) {
    const previous = s.get(scales[i - 1]);
    const current = s.get(scales[i]);
    const ratio = current.median / previous.median;
    record(
      `doubling-${scales[i]}x`,
      `migrate ${scales[i]}× / ${scales[i - 1]}×`,
      `${ratio.toFixed(2)}× (${ms(current.median)}, ${(inputs[i].bytes / 1024 / 1024).toFixed(1)} MB)`,
      `≤ ${TARGETS.doubling}×`,
      ratio <= TARGETS.doubling,
      `${scales[i]}× ${spread(current)}, ${current.n} runs`,
    );
  }
}

// --- cold CLI calls (issue 11 item 2) ---------------------------------------------------------
// One `k0rdent-state get|runtime set|phase set` from a plain shell, against `node -e 0`, in CPU
// time (user + system, which is what a script's many calls add up to; wall time hides the
// parallel GC threads). The CPU is taken inside each child at exit (process.cpuUsage() from a
// --require hook, loaded into `node -e 0` too), so the hook's own cost is on both sides.

/** CPU milliseconds (user + system) of one node child, and its exit code and output. */
function cpuOf(args) {
  const hook = join(work, 'cpu-usage.cjs');
  const out = join(work, 'cpu-usage.txt');
  if (!existsSync(hook)) {
    writeFileSync(
      hook,
      "process.on('exit', () => { const u = process.cpuUsage(); require('node:fs').writeFileSync(process.env.BENCH_CPU_FILE, String((u.user + u.system) / 1000)); });\n",
    );
  }
  rmSync(out, { force: true });
  const result = timed(node, ['--require', hook, ...args], { env: { BENCH_CPU_FILE: out } });
  return { ms: Number(readFileSync(out, 'utf8')), status: result.status, stderr: result.stderr };
}

function coldRow(id, label, file, argsOf) {
  let round = 0;
  const call = () => {
    const args = argsOf(round++);
    const result = cpuOf([bin, ...args, '--file', file]);
    if (result.status !== 0) fail(`${label} exited ${result.status}: ${result.stderr}`);
    return result.ms;
  };
  const t = alternate(runs, () => cpuOf(['-e', '0']).ms, call);
  const ratio = t.b.median / t.a.median;
  record(
    id,
    `${label} (cold, CPU) / \`node -e 0\``,
    `${ratio.toFixed(2)}× (${ms(t.b.median)} / ${ms(t.a.median)})`,
    `≤ ${TARGETS.coldRatio}×`,
    ratio <= TARGETS.coldRatio,
    `node -e 0 ${spread(t.a)}; ${label} ${spread(t.b)}`,
  );
}

function benchCold() {
  log(`\n[5] one cold CLI call on a v2 file vs node -e 0, CPU time (${runs} rounds, A B A B ...)`);
  const dir = join(work, 'cold', 'state');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'deployment-state.yaml');
  copyFileSync(join(root, 'fixtures', 'v2', 'several-runs.yaml'), file);
  // Each write changes the file (values alternate), so every call takes the whole write path.
  coldRow('cold-get', '`get`', file, () => ['get', 'location', '--max-age', '100000d']);
  coldRow('cold-runtime-set', '`runtime set`', file, (i) => [
    'runtime',
    'set',
    'wireguard_config.vpn_connected',
    i % 2 === 0 ? 'false' : 'true',
  ]);
  coldRow('cold-phase-set', '`phase set`', file, (i) => [
    'phase',
    'set',
    'install_k0s',
    i % 2 === 0 ? 'in_progress' : 'completed',
  ]);
}

// --- the bash adapter and big files (issue 11) ------------------------------------------------

/** A row of bench/adapter.mjs: a CPU ratio against its goal. */
function recordRatio(row) {
  record(
    row.figure.replace(/[^a-z0-9]+/gi, '-').toLowerCase(),
    row.figure,
    `${row.ratio.toFixed(row.ratio < 0.1 ? 3 : 2)}×`,
    `≤ ${row.target}×`,
    row.ratio <= row.target,
    row.detail,
  );
}

function benchAdapter() {
  log(
    `\n[6] the bash adapter: CPU per state call, through the co-process and per process, and a deploy replay`,
  );
  const baseline = nodeBaseline(runs);
  log(`  node -e 0: ${(baseline * 1000).toFixed(0)} ms CPU (median of ${runs})`);
  const context = { root, work, bin, rounds: runs, node: baseline, record: recordRatio };
  adapterCallRows(context);
  replayRow(context);
}

async function benchBig() {
  log('\n[7] big files: 300 VMs + 20,000 inline events (2.7 MB v1)');
  const dir = join(work, 'big');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'state'), { recursive: true });
  const v1 = join(dir, 'big-v1.yaml');
  writeFileSync(v1, await bigV1(root, { vms: 300, events: 20000 }));
  const file = join(dir, 'state', 'deployment-state.yaml');
  const dryTimes = [];
  const dryMemory = [];
  for (let i = 0; i < Math.max(3, runs >> 1); i++) {
    copyFileSync(v1, file);
    const started = process.hrtime.bigint();
    const { mb, status } = peakRss([bin, 'migrate', '--dry-run', '--max-size', '64MiB', file]);
    dryTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
    dryMemory.push(mb);
    if (status !== 0) fail(`migrate --dry-run of the big file failed (exit ${status})`);
  }
  const dry = stats(dryTimes);
  record(
    'big-dry-run',
    'migrate --dry-run with its diff, 300 VMs + 20,000 events',
    ms(dry.median),
    '< 2000 ms',
    dry.median < 2000,
    spread(dry),
  );
  const peak = Math.max(...dryMemory);
  record(
    'big-dry-run-memory',
    'migrate --dry-run with its diff: peak RSS',
    `${peak.toFixed(0)} MB`,
    '< 300 MB',
    peak < 300,
    'past 10,000 changed lines a per-section summary stands in for the diff (warning diff-too-large)',
  );
  const applyTimes = [];
  for (let i = 0; i < Math.max(3, runs >> 1); i++) {
    rmSync(join(dir, 'old_deployments'), { recursive: true, force: true });
    copyFileSync(v1, file);
    const result = timed(node, [bin, 'migrate', '--max-size', '64MiB', file]);
    if (result.status !== 0) fail(`migrate of the big file failed: ${result.stderr.slice(0, 500)}`);
    applyTimes.push(result.ms);
  }
  const apply = stats(applyTimes);
  record(
    'big-apply',
    'migrate (apply), 300 VMs + 20,000 events',
    ms(apply.median),
    '< 1500 ms',
    apply.median < 1500,
    spread(apply),
  );
  const bigV2 = join(dir, 'big-v2.yaml');
  copyFileSync(file, bigV2);
  bigGetRow({ root, work, bin, bigV2, record: recordRatio });
}

// --- scaling rows (issue 13: cost linear in the input) -----------------------------------------
// Each row times one command on an input and on the same shape twice as large (fresh copies, the
// sizes alternated, `--scale-runs` rounds) and passes when the larger takes at most 2.3 times as
// long. Peak memory of the larger input is shown beside it.

/**
 * One scaling row: `make(scale)` writes the input for scale 1 and 2 and returns
 * `{ args, bytes, fresh }` (`bytes`: the size of the input that scales, the state file or the
 * outputs; `fresh()` restores the state file before each run); `expectStatus` is the exit code
 * the command must give.
 */
async function scalingRow(id, figure, make, expectStatus = 0) {
  log(`\n[${id}] ${figure}: size 1 and 2, ${scaleRuns} rounds each, alternated`);
  const inputs = [await make(1), await make(2)];
  const times = [[], []];
  let rss = Number.NaN;
  for (let round = 0; round < scaleRuns; round++) {
    for (const [index, input] of inputs.entries()) {
      input.fresh?.();
      const result = peakRss([bin, ...input.args]);
      if (result.status !== expectStatus) {
        fail(
          `${id} (size ${index + 1}) exited ${result.status}, expected ${expectStatus}: ${result.stderr.slice(0, 1000)}`,
        );
      }
      times[index].push(result.ms);
      if (index === 1) rss = Number.isNaN(rss) ? result.mb : Math.max(rss, result.mb);
    }
  }
  const [small, large] = times.map(stats);
  const ratio = large.median / small.median;
  const size = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  record(
    id,
    figure,
    `${ratio.toFixed(2)}× (${ms(large.median)}, ${size(inputs[1].bytes)} / ${ms(small.median)}, ${size(inputs[0].bytes)})`,
    `≤ ${TARGETS.doubling}×`,
    ratio <= TARGETS.doubling,
    `peak RSS ${rss.toFixed(0)} MB at size 2; size 1 ${spread(small)}, size 2 ${spread(large)}, ${scaleRuns} runs`,
  );
}

// A deployer folder under bench/.work/scaling/<id>-<scale>/ holding `text` as its state file.
function scalingInput(id, scale, text) {
  const dir = join(work, 'scaling', `${id}-${scale}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'state'), { recursive: true });
  const file = join(dir, 'state', 'deployment-state.yaml');
  const source = join(dir, 'input.yaml');
  writeFileSync(source, text);
  copyFileSync(source, file);
  return { dir, file, bytes: Buffer.byteLength(text), fresh: () => copyFileSync(source, file) };
}

async function benchScaling() {
  if (only.has('unknown-keys')) {
    // finalize-v2 carried unknown keys one at a time: 8k → 32k keys took 5 s → 116 s.
    await scalingRow(
      'unknown-keys',
      '`migrate --dry-run`, 16,000 → 32,000 unknown top-level keys',
      async (scale) => {
        const input = scalingInput('unknown-keys', scale, await unknownKeysV1(root, 16_000 * scale));
        return { ...input, args: ['migrate', '--dry-run', input.file] };
      },
    );
  }
  if (only.has('big-file')) {
    // The 300-VM / 20,000-event shape at about 7.5 and 15 MiB (the diff grew faster than the file).
    await scalingRow('big-file', '`migrate --dry-run`, a v1 file of 7.5 → 15 MiB', async (scale) => {
      const text = await bigV1(root, { vms: 850 * scale, events: 57_500 * scale });
      const input = scalingInput('big-file', scale, text);
      return { ...input, args: ['migrate', '--dry-run', input.file] };
    });
  }
  if (only.has('v2-keys')) {
    await scalingRow('v2-keys', '`runtime set` on a v2 file with 500,000 → 1,000,000 keys', async (scale) => {
      const input = scalingInput('v2-keys', scale, await manyKeysV2(root, 500_000 * scale));
      return {
        ...input,
        args: ['runtime', 'set', 'wireguard_config.vpn_connected', 'false', '-f', input.file],
      };
    });
  }
  // `infra sync --outputs FILE` of `count(scale)` outputs (`width`: characters of each value).
  const syncInput = (id, count, width) => (scale) => {
    const input = scalingInput(id, scale, readFileSync(join(root, 'fixtures', 'v2', 'fresh.yaml'), 'utf8'));
    const outputs = join(input.dir, 'outputs.json');
    const json = manyOutputs(count * scale, width);
    writeFileSync(outputs, json);
    return {
      ...input,
      bytes: Buffer.byteLength(json),
      args: ['infra', 'sync', '--outputs', outputs, '-f', input.file],
    };
  };
  if (only.has('sync-outputs')) {
    await scalingRow(
      'sync-outputs',
      '`infra sync` of 250,000 → 500,000 outputs (written)',
      syncInput('sync-outputs', 250_000),
    );
  }
  if (only.has('sync-outputs-cap')) {
    // Neither fits under the 16 MiB cap: refused (exit 1) while the outputs are read, at the cap.
    await scalingRow(
      'sync-outputs-cap',
      '`infra sync` of 500,000 → 1,000,000 outputs (refused at the cap, the rest not read)',
      syncInput('sync-outputs-cap', 500_000, 40),
      1,
    );
  }
  if (only.has('flow-map')) {
    await scalingRow(
      'flow-map',
      '`runtime set` on a v2 file with a flow map of 250,000 → 500,000 entries',
      async (scale) => {
        const input = scalingInput(
          'flow-map',
          scale,
          await manyKeysV2(root, 250_000 * scale, { flow: true }),
        );
        return {
          ...input,
          args: ['runtime', 'set', 'wireguard_config.vpn_connected', 'false', '-f', input.file],
        };
      },
    );
  }
}

// --- report ---------------------------------------------------------------------------------

function machine() {
  const model = (() => {
    try {
      return /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
    } catch {
      return cpus()[0]?.model ?? 'unknown';
    }
  })();
  return {
    nproc: availableParallelism(),
    cpu: model,
    node: process.version,
    // Node reads it at start-up: it sets the cost of `node -e 0` that the CPU rows divide by.
    extraCaCerts: process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'not set',
    date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

function markdown(info) {
  const rows = results.map(
    (r) => `| ${r.figure} | ${r.value} | ${r.target} | ${r.pass ? 'PASS' : 'FAIL'} | ${r.detail ?? ''} |`,
  );
  return [
    '# Benchmark results',
    '',
    'Written by `npm run bench -- --write` (bench/run.mjs); see that file for what each figure',
    'measures. Every figure is the median of child-process wall times (the cold-call rows: CPU',
    'time, user + system), A and B alternated.',
    '',
    `- Date: ${info.date}`,
    `- Machine: ${info.nproc} CPUs (nproc), ${info.cpu}`,
    `- Node.js: ${info.node}; NODE_EXTRA_CA_CERTS ${info.extraCaCerts} (it triples \`node -e 0\`: see the notes)`,
    `- Rounds: ${runs} per target (the 8× migration: ${Math.ceil(runs / 2) + 1})`,
    '',
    '| Figure | Measured | Target | Result | Spread (min–max, IQR) and notes |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

async function main() {
  ensureBuilt();
  mkdirSync(work, { recursive: true });
  const info = machine();
  log(
    `bench: ${info.nproc} CPUs, ${info.cpu}, Node.js ${info.node}, NODE_EXTRA_CA_CERTS ${info.extraCaCerts}, ${runs} rounds`,
  );
  if (only.has('auto')) benchAuto();
  if (only.has('validate')) await benchValidate();
  if (only.has('migrate')) await benchMigrate();
  if (only.has('memory')) await benchMemory();
  if (only.has('cold')) benchCold();
  if (only.has('adapter')) benchAdapter();
  if (only.has('big')) await benchBig();
  await benchScaling();
  const failed = results.filter((r) => !r.pass);
  process.stdout.write(`\n${markdown(info)}`);
  writeFileSync(join(work, 'results.json'), `${JSON.stringify({ info, runs, results }, null, 2)}\n`);
  if (process.argv.includes('--write')) {
    const existing = existsSync(join(root, 'bench', 'RESULTS.md'))
      ? readFileSync(join(root, 'bench', 'RESULTS.md'), 'utf8')
      : '';
    // Keep any notes written below the generated part.
    const notes = existing.includes('\n## Notes') ? existing.slice(existing.indexOf('\n## Notes')) : '';
    writeFileSync(join(root, 'bench', 'RESULTS.md'), `${markdown(info)}${notes}`);
    log('bench: wrote bench/RESULTS.md');
  }
  log(`\nbench: ${results.length - failed.length} passed, ${failed.length} failed`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

await main();
