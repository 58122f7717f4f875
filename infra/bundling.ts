/**
 * How handlers are bundled, shared by the CDK construct (which deploys the bundle), the contract test (which
 * inspects it) and the engine benchmark (which measures the code as deployed). No aws-cdk-lib import here, so
 * the benchmark stays light.
 */

/**
 * ESM bundles run on Lambda as `.mjs`; CommonJS dependencies bundled into them still call `require` for Node
 * built-ins, which ESM scope lacks. The banner provides it.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __opsgraphCreateRequire } from 'node:module';" +
  'const require = __opsgraphCreateRequire(import.meta.url);';

/** esbuild loaders for non-code files that handlers import. */
export const BUNDLE_LOADERS: Record<string, 'text'> = { '.graphql': 'text', '.gql': 'text' };
