import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { parse, visit } from 'graphql';
import { loadSubgraphSchema } from '../../subgraphs/schemas.js';
import { composeSupergraph, readSubgraphSdl, SUBGRAPHS } from '../../schema/compose.js';

it('the committed supergraph and generated SDL module match a fresh composition (run `npm run compose`)', () => {
  const { supergraph, module } = composeSupergraph();
  assert.equal(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'), supergraph);
  assert.equal(readFileSync(new URL('../../schema/sdl.generated.ts', import.meta.url), 'utf8'), module);
});

it('every type and field in every subgraph SDL has a description', () => {
  for (const name of SUBGRAPHS) {
    const missing: string[] = [];
    visit(parse(readSubgraphSdl(name)), {
      enter(node, _key, _parent, _path, ancestors) {
        const described = 'description' in node && node.description;
        const parentName = (ancestors.at(-1) as { name?: { value: string } } | undefined)?.name?.value;
        if (['ObjectTypeDefinition', 'InputObjectTypeDefinition', 'EnumTypeDefinition', 'ScalarTypeDefinition'].includes(node.kind)) {
          const typeName = (node as { name: { value: string } }).name.value;
          if (!described && typeName !== 'Query' && typeName !== 'Mutation') missing.push(typeName);
        }
        if ((node.kind === 'FieldDefinition' || node.kind === 'InputValueDefinition') && !described && (ancestors.at(-1) as { kind?: string })?.kind !== 'FieldDefinition') {
          missing.push(`${parentName}.${node.name.value}`);
        }
      },
    });
    assert.deepEqual(missing, [], `${name} lacks descriptions`);
  }
});

it('keeps the core GraphQL contract (docs/architecture.md, "Contracts") in the composed API', async () => {
  const schema = await loadSubgraphSchema('profiles');
  const query = schema.getQueryType()!.getFields();
  for (const f of ['user', 'userByIdentity', 'users', 'segment', 'segments', 'tagRules']) assert.ok(query[f], `Query.${f}`);
  const user = schema.getType('User') as unknown as { getFields(): Record<string, unknown> };
  for (const f of ['id', 'identities', 'traits', 'stats', 'tags', 'segments', 'events', 'churn']) assert.ok(user.getFields()[f], `User.${f}`);
});
