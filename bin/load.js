'use strict';
// Loads the bundled CLI (dist/cli/k0rdent-state.cjs) with the V8 code cache that `npm run build`
// made beside it (k0rdent-state.cjs.cache): V8 then skips compiling the functions a command runs,
// which is most of what a cold call costs beyond Node's own start. A cache made by another Node
// (or V8 flags) is rejected by V8 and the bundle is compiled as usual: the same results, slower.
// K0RDENT_STATE_CODE_CACHE=off ignores the cache.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

/** The bundle's path. */
const BUNDLE = join(__dirname, '..', 'dist', 'cli', 'k0rdent-state.cjs');
/** Its code cache. */
const CACHE = `${BUNDLE}.cache`;

/**
 * Node's modules that the bundle gets on first use rather than when it loads: a command that
 * needs none of them (a `get`, a write that starts no run) does not pay their start-up, about
 * 10 ms of a cold call's CPU for the four (node:crypto alone about 5). The bundle reaches their
 * functions as properties of the required module at the time of the call (esbuild's output for
 * named imports), which is what the stand-in answers.
 */
const LAZY_BUILTINS = new Set([
  'node:child_process',
  'node:crypto',
  'node:fs/promises',
  'node:net',
  'node:os',
]);

/** A stand-in for `require(id)` that requires the module when one of its properties is first read. */
function lazyBuiltin(id) {
  let loaded;
  return new Proxy(
    {},
    {
      get(_target, key) {
        loaded ??= require(id);
        return loaded[key];
      },
    },
  );
}

/** The bundle's `require`. */
function bundleRequire(id) {
  return LAZY_BUILTINS.has(id) ? lazyBuiltin(id) : require(id);
}

/**
 * Compiles and runs the bundle as a CommonJS module; returns its exports and the compiled script
 * (whose createCachedData() the build writes to the cache).
 */
function loadCli(options = {}) {
  // ASCII, as the build checks (scripts/bundle.mjs): Latin-1 reads it as it is, at half the cost.
  const source = readFileSync(BUNDLE, 'latin1');
  let cachedData;
  if (options.cache !== false && process.env.K0RDENT_STATE_CODE_CACHE !== 'off') {
    try {
      cachedData = readFileSync(CACHE);
    } catch {
      // No cache: compile.
    }
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapper, { filename: BUNDLE, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, bundleRequire, module, BUNDLE, join(BUNDLE, '..'));
  return {
    cli: module.exports,
    script,
    cacheRejected: cachedData !== undefined && script.cachedDataRejected,
  };
}

module.exports = { loadCli, BUNDLE, CACHE };
