#!/usr/bin/env node
// `migrate --auto` runs at the start of every deployer script: decide the nothing-to-do case
// before loading the YAML parser, the validator or yargs.
import { fastAuto } from '../dist/src/cli/fast-auto.js';

const argv = process.argv.slice(2);
if (argv[0] === '__adapter-call' || argv[0] === '__serve') {
  // The bash adapter's own entry (shell/state-management.sh): no command line parser.
  const { adapterMain } = await import('../dist/src/cli/adapter-main.js');
  process.exitCode = await adapterMain(argv);
} else {
  const quick = fastAuto(argv, process.cwd());
  if (quick !== undefined) {
    process.exitCode = quick;
  } else {
    const { main } = await import('../dist/src/cli/main.js');
    process.exitCode = await main();
  }
}
