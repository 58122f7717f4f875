'use strict';
/* global module */
// What a module left out of the Lambda bundles becomes (infra/bundling.ts, LEFT_OUT_OF_BUNDLES). Importing it and
// reading its exports work, so a dependency that merely imports one still loads; calling or constructing anything
// from it throws, so a code path that starts to need a left-out module fails loudly instead of doing nothing.
function fail() {
  throw new Error('opsgraph: this module is left out of the Lambda bundles (infra/bundling.ts LEFT_OUT_OF_BUNDLES)');
}
const leftOut = new Proxy(function leftOut() {}, {
  get: (_target, key) => (key === '__esModule' || typeof key === 'symbol' ? undefined : leftOut),
  apply: fail,
  construct: fail,
});
module.exports = leftOut;
