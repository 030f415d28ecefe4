#!/usr/bin/env node
'use strict';
// The k0rdent-state command. `migrate --auto` runs at the start of every deployer script: its
// nothing-to-do case is decided before anything else is loaded. Everything else runs the CLI
// bundled into one file by `npm run build` (scripts/bundle.mjs), loaded with its V8 code cache
// (bin/load.js): a cold call costs little more than Node's own start.
const argv = process.argv.slice(2);
// The bash adapter's own entries (shell/state-management.sh): its co-process and its one call per
// process; neither goes through the command line parser, nor the `migrate --auto` check.
const adapter = argv[0] === '__serve' || argv[0] === '__adapter-call';
let quick;
if (!adapter) {
  let fastAuto;
  try {
    ({ fastAuto } = require('../dist/cli/fast-auto.cjs'));
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND' && error.code !== 'ENOENT') throw error;
    process.stderr.write('k0rdent-state: dist/cli/ is missing: build the package first (npm run build)\n');
    process.exit(70);
  }
  quick = fastAuto(argv, process.cwd(), process.env);
}
if (quick !== undefined) {
  process.exitCode = quick;
} else {
  let cli;
  try {
    ({ cli } = require('./load.js').loadCli());
  } catch (error) {
    if (error.code !== 'ENOENT' || !String(error.path).endsWith('k0rdent-state.cjs')) throw error;
    process.stderr.write(
      'k0rdent-state: dist/cli/k0rdent-state.cjs is missing: build the package first (npm run build)\n',
    );
    process.exit(70);
  }
  (adapter ? cli.adapterMain(argv) : cli.main()).then((code) => {
    process.exitCode = code;
  });
}
