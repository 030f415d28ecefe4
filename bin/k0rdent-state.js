#!/usr/bin/env node
// `migrate --auto` runs at the start of every deployer script: decide the nothing-to-do case
// before loading the YAML parser, the validator or yargs.
import { fastAuto } from '../dist/src/cli/fast-auto.js';

const quick = fastAuto(process.argv.slice(2), process.cwd(), process.env);
if (quick !== undefined) {
  process.exitCode = quick;
} else {
  const { main } = await import('../dist/src/cli/main.js');
  process.exitCode = await main();
}
