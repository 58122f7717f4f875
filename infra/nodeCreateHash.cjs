'use strict';
/* global require, exports */
// @apollo/utils.createhash in the Lambda bundles (infra/bundling.ts): the package picks node:crypto only when
// `module.require` exists, which esbuild's CommonJS wrapper lacks, so bundled it hashed every query (and the schema
// at start) with sha.js in JavaScript. This is its Node branch alone.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS stand-in for a CommonJS package
const crypto = require('node:crypto');
exports.createHash = (kind) => crypto.createHash(kind);
