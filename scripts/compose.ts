import { writeFileSync } from 'node:fs';
import { composeSupergraph } from '../schema/compose.js';

// Writes schema/supergraph.graphql and schema/sdl.generated.ts; commit both.
const { supergraph, module } = composeSupergraph();
writeFileSync(new URL('../schema/supergraph.graphql', import.meta.url), supergraph);
writeFileSync(new URL('../schema/sdl.generated.ts', import.meta.url), module);
console.log('composed schema/supergraph.graphql and schema/sdl.generated.ts');
