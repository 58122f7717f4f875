/**
 * How handlers are bundled, shared by the CDK construct (which deploys the bundle), the contract test (which
 * inspects it) and the engine benchmark (which measures the code as deployed). No aws-cdk-lib import here, so
 * the benchmark stays light.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * ESM bundles run on Lambda as `.mjs`; CommonJS dependencies bundled into them still call `require` for Node
 * built-ins, which ESM scope lacks. The banner provides it.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __opsgraphCreateRequire } from 'node:module';" +
  'const require = __opsgraphCreateRequire(import.meta.url);';

/** esbuild loaders for non-code files that handlers import. */
export const BUNDLE_LOADERS: Record<string, 'text'> = { '.graphql': 'text', '.gql': 'text' };

/**
 * Modules that the graphql function's dependencies import at load but that opsgraph never calls, each with the
 * path that would need it. Bundled, they were 1.9 of its 4.8 MB and slowed every cold start (npm run bench:gateway
 * -- --only lambda prints the size). Each is replaced by `infra/leftOut.cjs`, which loads but throws when called;
 * test/integration/graphqlBundle.test.ts answers queries through the bundle as deployed.
 */
export const LEFT_OUT_OF_BUNDLES: Readonly<Record<string, string>> = {
  'make-fetch-happen': "@apollo/gateway's HTTP to remote subgraphs and to Apollo Uplink: the subgraphs run in process",
  'node-fetch': "@apollo/gateway's remote subgraphs, federated traces and introspection",
  '@apollo/composition': '@apollo/gateway composing at run time: the supergraph is composed at build time (npm run compose)',
  '@opentelemetry/sdk-metrics': "@apollo/gateway's telemetry to Apollo: off by APOLLO_TELEMETRY_DISABLED",
  '@opentelemetry/resources': 'the same telemetry',
  '@opentelemetry/exporter-metrics-otlp-http': 'the same telemetry',
  '@opentelemetry/resource-detector-aws': 'the same telemetry',
  '@opentelemetry/resource-detector-gcp': 'the same telemetry',
  '@opentelemetry/resource-detector-azure': 'the same telemetry',
  '@opentelemetry/resource-detector-alibaba-cloud': 'the same telemetry',
  '@opentelemetry/semantic-conventions/incubating': "the same telemetry's attribute names",
  'ts-graphviz': "@apollo/query-graphs' debug drawings of query graphs",
};

/** The stand-in for each left-out module, as an absolute path (esbuild resolves aliases from its working directory). */
export const LEFT_OUT_MODULE = join(dirname(fileURLToPath(import.meta.url)), 'leftOut.cjs');

/**
 * graphql ships its ESM (`.mjs`) and CommonJS (`.js`) builds side by side. Apollo's CommonJS deep imports of these
 * paths bundled the CommonJS copy beside the ESM one, and a type from one copy fails the other's instanceof checks
 * ("Cannot use GraphQLScalarType "DateTime" from another module or realm") unless NODE_ENV is production, which
 * Lambda does not set. Pointing them at the `.mjs` files keeps one graphql.
 */
const ONE_GRAPHQL: Readonly<Record<string, string>> = {
  'graphql/validation': 'graphql/validation/index.mjs',
  'graphql/validation/specifiedRules': 'graphql/validation/specifiedRules.mjs',
  'graphql/validation/validate': 'graphql/validation/validate.mjs',
  'graphql/execution/values': 'graphql/execution/values.mjs',
};

/** esbuild's `alias` option for every bundle: the left-out modules, and one graphql. */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.keys(LEFT_OUT_OF_BUNDLES).map((name) => [name, LEFT_OUT_MODULE])),
  ...ONE_GRAPHQL,
};
