import { writeFileSync } from 'node:fs';
import { generateResolverTypes } from '../schema/codegen.js';
import { composeSupergraph } from '../schema/compose.js';

// Writes schema/supergraph.graphql, schema/sdl.generated.ts and subgraphs/<name>/types.generated.ts; commit them all.
const { supergraph, module } = composeSupergraph();
writeFileSync(new URL('../schema/supergraph.graphql', import.meta.url), supergraph);
writeFileSync(new URL('../schema/sdl.generated.ts', import.meta.url), module);
const types = await generateResolverTypes();
for (const { path, content } of types) writeFileSync(new URL(`../${path}`, import.meta.url), content);
console.log(`composed schema/supergraph.graphql and schema/sdl.generated.ts; generated ${types.map((t) => t.path).join(', ')}`);
