// The entry point of the bundled CLI (dist/cli/k0rdent-state.cjs, built by scripts/bundle.mjs and
// run by bin/k0rdent-state.js): the binary's main, and run/memoryIO, with which the build runs a
// few commands in-process to make the V8 code cache that the binary loads the bundle with; and the
// bash adapter's entry (adapterMain) and its library call (callAdapter, also used for training).
export { callAdapter } from '../adapter/call.js';
export { adapterMain } from './adapter-main.js';
export { memoryIO } from './io.js';
export { main } from './main.js';
export { run } from './run.js';
