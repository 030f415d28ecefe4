#!/usr/bin/env node
'use strict';
// The k0rdent-state command. `migrate --auto` runs at the start of every deployer script: its
// nothing-to-do case is decided before anything else is loaded. Everything else runs the CLI
// bundled into one file by `npm run build` (scripts/bundle.mjs), loaded with its V8 code cache
// (bin/load.js): a cold call costs little more than Node's own start.
const { fastAuto } = require('../dist/cli/fast-auto.cjs');

const quick = fastAuto(process.argv.slice(2), process.cwd(), process.env);
if (quick !== undefined) {
  process.exitCode = quick;
} else {
  const { cli } = require('./load.js').loadCli();
  cli.main().then((code) => {
    process.exitCode = code;
  });
}
