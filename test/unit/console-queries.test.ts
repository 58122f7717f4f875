import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Supergraph } from '@apollo/federation-internals';
import { parse, validate } from 'graphql';
import * as queries from '../../console/src/queries.js';
import { SUPERGRAPH_SDL } from '../../schema/sdl.generated.js';

// The console speaks the public API only; its operations are checked against the composed API schema.
describe('console operations', () => {
  const api = Supergraph.build(SUPERGRAPH_SDL).apiSchema().toGraphQLJSSchema();
  for (const [name, source] of Object.entries(queries)) {
    it(`${name} is valid against the supergraph's API schema`, () => {
      const errors = validate(api, parse(source));
      assert.deepEqual(errors.map((e) => e.message), []);
    });
  }
});
