/**
 * How handlers are bundled, shared by the CDK construct (which deploys the bundle), the contract test (which
 * inspects it) and the benchmarks (which measure the code as deployed). No aws-cdk-lib import here, so the
 * benchmarks stay light.
 */
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync, type Metafile } from 'esbuild';

/**
 * ESM bundles run on Lambda as `.mjs`; CommonJS dependencies bundled into them still call `require` for Node
 * built-ins, which ESM scope lacks. The banner provides it.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __opsgraphCreateRequire } from 'node:module';" +
  'const require = __opsgraphCreateRequire(import.meta.url);';

/** esbuild loaders for non-code files that handlers import. */
export const BUNDLE_LOADERS: Record<string, 'text'> = { '.graphql': 'text', '.gql': 'text' };

/**
 * Modules that the functions' dependencies import (at load, or behind a dynamic import) but that opsgraph never
 * calls on Lambda, each with the path that would need it. Bundled, they were a fifth of the graphql function's
 * bundle and slowed every cold start (npm run bench:gateway -- --only lambda prints the size). Each is replaced by `infra/leftOut.cjs`, which loads but throws when called;
 * test/integration/graphqlBundle.test.ts answers queries through the bundle as deployed.
 */
export const LEFT_OUT_OF_BUNDLES: Readonly<Record<string, string>> = {
  '@apollo/usage-reporting-protobuf': "Apollo Server's traces and usage reports to Apollo: their plugins are installed disabled (gateway/gateway.ts)",
  '@apollo/utils.usagereporting': 'the same usage reports',
  // Lambda hands a function its role's credentials in the environment, so the SDK's default chain stops at fromEnv.
  '@aws-sdk/credential-provider-sso': "the SDK's credential chain past fromEnv: SSO profiles",
  '@aws-sdk/credential-provider-ini': 'the same chain: ~/.aws profiles',
  '@aws-sdk/credential-provider-process': 'the same chain: credential_process',
  '@aws-sdk/credential-provider-web-identity': 'the same chain: web identity token files',
  '@aws-sdk/credential-provider-http': 'the same chain: container credentials',
  '@smithy/credential-provider-imds': 'the same chain: EC2 and ECS metadata',
  bowser: "the SDK's browser user-agent parser (util-user-agent-browser), which its Node clients never call",
  semver: "aws-xray-sdk-core's check of an AWS SDK v2 version (captureAWS): the functions use v3",
  '@graphql-tools/schema': "Apollo Server's makeExecutableSchema, for a server given typeDefs: the product's is given a gateway",
};

/** The stand-in for each left-out module, as an absolute path (esbuild resolves aliases from its working directory). */
const LEFT_OUT_MODULE = join(dirname(fileURLToPath(import.meta.url)), 'leftOut.cjs');

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

/** Modules replaced in the bundles by a smaller or faster equivalent, each beside this file. */
const REPLACED_IN_BUNDLES: Readonly<Record<string, string>> = {
  '@apollo/utils.createhash': join(dirname(fileURLToPath(import.meta.url)), 'nodeCreateHash.cjs'),
};

/** esbuild's `alias` option for every bundle: the left-out and replaced modules, and one graphql. */
const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.keys(LEFT_OUT_OF_BUNDLES).map((name) => [name, LEFT_OUT_MODULE])),
  ...REPLACED_IN_BUNDLES,
  ...ONE_GRAPHQL,
};

/**
 * The gateway's native query planner (Hive Router's, N-API) for one platform. Its loader, bundled, requires the
 * binary from beside the bundle file, so the graphql function ships it there as part of its asset (arm64 on
 * Lambda), outside the minified bundle.
 */
function nativePlannerBinary(platform: string, arch: string): string {
  const dist = dirname(createRequire(import.meta.url).resolve('@graphql-hive/router-query-planner'));
  return join(dist, `hive_router_query_planner.${platform}-${arch}${platform === 'linux' ? '-gnu' : ''}.node`);
}

/** What {@link bundleHandler} wrote. */
export interface HandlerBundle {
  /** The entry module: `<outdir>/<name>.mjs`. */
  file: string;
  /** The source files bundled (esbuild's metafile inputs). */
  inputs: string[];
  /** Minified JavaScript written, the entry and every chunk (source maps not counted). */
  bytes: number;
  /** Of which the entry and the chunks it imports statically: what a cold start loads and compiles. */
  initBytes: number;
}

/**
 * Bundles one handler as it is deployed: minified ESM for Node (`target`), with the banner, loaders and aliases
 * above and source maps beside each output (in the asset, for reading a logged stack trace; the functions do not
 * run with `--enable-source-maps`, which parsed them on every cold start: about 20 ms of the graphql function's,
 * and 130 ms when it was one file). Modules reached only through `import()` go to chunks of their own
 * (`<outdir>/chunks/`), which load on first use: a cold start compiles only the code its first request can run
 * (docs/architecture.md, "Lambda bundles"). The output holding the query planner's loader gets the planner's
 * binary for `os` and `arch` beside it. Synchronous, as CDK's local bundling is.
 *
 * @example
 * bundleHandler('lambdas/graphql/handler.ts', '/tmp/graphql', { target: 'node20', os: process.platform, arch: process.arch });
 */
export function bundleHandler(
  entry: string,
  outdir: string,
  { name = 'index', target = 'node24', os = 'linux', arch = 'arm64' }: { name?: string; target?: string; os?: string; arch?: string } = {},
): HandlerBundle {
  const { metafile } = buildSync({
    entryPoints: { [name]: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    platform: 'node',
    format: 'esm',
    target,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    loader: BUNDLE_LOADERS,
    alias: { ...BUNDLE_ALIASES },
    metafile: true,
    logLevel: 'error',
  });
  const inputs = Object.keys(metafile.inputs);
  // The planner's loader requires its binary relative to the output (entry or chunk) that holds it.
  for (const [path, output] of Object.entries(metafile.outputs)) {
    if (!Object.keys(output.inputs).some((i) => i.includes('@graphql-hive/router-query-planner'))) continue;
    const binary = nativePlannerBinary(os, arch);
    copyFileSync(binary, join(dirname(resolve(path)), basename(binary)));
  }
  const file = resolve(outdir, `${name}.mjs`);
  const code = Object.entries(metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
  return { file, inputs, bytes: code.reduce((sum, [, o]) => sum + o.bytes, 0), initBytes: loadedAtInit(metafile, file) };
}

/** Bytes of the entry output and of every output it imports statically, transitively. */
function loadedAtInit(metafile: Metafile, file: string): number {
  const outputs = new Map(Object.entries(metafile.outputs).map(([path, o]) => [resolve(path), o]));
  const seen = new Set<string>();
  const visit = (path: string): number => {
    const output = outputs.get(path);
    if (!output || seen.has(path)) return 0;
    seen.add(path);
    return output.bytes + output.imports.filter((i) => i.kind === 'import-statement').reduce((sum, i) => sum + visit(resolve(i.path)), 0);
  };
  return visit(file);
}
