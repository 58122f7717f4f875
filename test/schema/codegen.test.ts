import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { parse, type EnumTypeDefinitionNode } from 'graphql';
import { campaignStatusSchema } from '../../core/journeyEngine/store/campaigns.js';
import { identityKindSchema } from '../../core/identity/types.js';
import { churnBandSchema } from '../../core/profile/types.js';
import { CONSOLE_TYPES_PATH, generatedTypesPath, generateResolverTypes } from '../../schema/codegen.js';
import { readSubgraphSdl, SUBGRAPHS, type SubgraphName } from '../../schema/compose.js';

it('the committed resolver types match a fresh codegen run (run `npm run compose`)', async () => {
  const generated = await generateResolverTypes();
  assert.deepEqual(generated.map((g) => g.path), [CONSOLE_TYPES_PATH, ...SUBGRAPHS.map(generatedTypesPath)].sort());
  for (const { path, content } of generated) {
    assert.equal(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'), content, `${path} is stale`);
  }
});

it('each enum of the SDL has the values of its one zod definition', () => {
  const enumValues = (name: SubgraphName, type: string) => {
    const node = parse(readSubgraphSdl(name)).definitions.find(
      (d): d is EnumTypeDefinitionNode => d.kind === 'EnumTypeDefinition' && d.name.value === type,
    );
    assert.ok(node, `${name} declares enum ${type}`);
    return (node.values ?? []).map((v) => v.name.value);
  };
  assert.deepEqual(enumValues('profiles', 'ChurnBand'), churnBandSchema.options);
  assert.deepEqual(enumValues('analytics', 'ChurnBand'), churnBandSchema.options);
  assert.deepEqual(enumValues('profiles', 'IdentityKind'), identityKindSchema.options);
  assert.deepEqual(enumValues('campaigns', 'CampaignStatus'), campaignStatusSchema.options);
});
