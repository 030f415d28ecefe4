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
 * Compiles and runs the bundle as a CommonJS module; returns its exports and the compiled script
 * (whose createCachedData() the build writes to the cache).
 */
function loadCli(options = {}) {
  const source = readFileSync(BUNDLE, 'utf8');
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
  script.runInThisContext()(module.exports, require, module, BUNDLE, join(BUNDLE, '..'));
  return {
    cli: module.exports,
    script,
    cacheRejected: cachedData !== undefined && script.cachedDataRejected,
  };
}

module.exports = { loadCli, BUNDLE, CACHE };
