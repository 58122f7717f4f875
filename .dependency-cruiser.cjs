/* global module */
/**
 * The layering of opsgraph, enforced by `npm run depcheck` (part of `npm test`). docs/architecture.md explains the
 * layers; this file is the rule. There are no exceptions: a new cycle or upward import fails the check, and the fix
 * is to move the piece to the layer it belongs to.
 */

/** Folders of core/, low → high. A module may import its own layer and the layers below, never one above. */
const CORE_LAYERS = [
  ['platform', 'aws', 'http', 'text'], // foundation: definitions, env, logging, SDK clients, HTTP answers, lexicons
  ['events', 'rules', 'experiments', 'analytics', 'privacy'], // pure domain: ingest contract, rule language, statistics, buckets, PII classes
  ['identity'], // identity rules: placeholder ids, keys, limits, attach, routing
  ['profile'], // the profile document: fold, merge, stats at asOf
  ['store', 'streams', 'changes'], // data access: DynamoDB (store), Kinesis (streams), the changes publisher
  ['ingest', 'tagging', 'deadLetters', 'auth'], // workflows: ingest requests, the tagger pipeline and sweep, DLQ, keys
  ['churn', 'journeys'], // consumers of the pipeline: churn scoring, the pure journey interpreter and guards
  ['journeyEngine', 'experimentEngine', 'analyticsEngine', 'privacyEngine'], // the engines: journeys, experiments (exposures, metrics), analytics (aggregates), erasure and export
];

const layerOf = (i) => CORE_LAYERS[i].join('|');
const above = (i) => CORE_LAYERS.slice(i + 1).flat().join('|');

const coreLayerRules = CORE_LAYERS.slice(0, -1).map((_, i) => ({
  name: `core-layer-${i}-upward`,
  comment: `core/{${CORE_LAYERS[i].join(',')}} may import only its own layer and lower ones (see .dependency-cruiser.cjs CORE_LAYERS).`,
  severity: 'error',
  from: { path: `^core/(${layerOf(i)})/` },
  to: { path: `^core/(${above(i)})/` },
}));

const NOT_SHIPPED = 'lambdas|subgraphs|gateway|local|infra|tools|bench|scripts|test|schema';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, anywhere.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-the-bottom',
      comment: 'core/ is what every Lambda loads; it never imports the adapters, the runtimes or the tooling above it.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: `^(${NOT_SHIPPED})/` },
    },
    ...coreLayerRules,
    {
      name: 'lambdas-are-leaves',
      comment: 'A handler imports core/, the gateway and the subgraphs entry points only; never another handler.',
      severity: 'error',
      from: { path: '^lambdas/([^/]+)/' },
      to: { path: '^(lambdas|local|infra|tools|bench|scripts|test)/', pathNot: '^lambdas/$1/' },
    },
    {
      name: 'lambdas-use-subgraph-entry-points',
      comment: 'Handlers reach subgraphs through subgraphs/context.ts and subgraphs/schemas.ts, not their internals.',
      severity: 'error',
      from: { path: '^lambdas/' },
      to: { path: '^subgraphs/', pathNot: '^subgraphs/(context|schemas)\\.ts$' },
    },
    {
      name: 'subgraphs-below-gateway',
      comment: 'Subgraphs read core/ and schema/; they know nothing of handlers, the gateway, runtimes or tooling.',
      severity: 'error',
      from: { path: '^subgraphs/' },
      to: { path: '^(lambdas|gateway|local|infra|tools|bench|scripts|test)/' },
    },
    {
      name: 'gateway-below-runtimes',
      comment: 'The gateway is loaded by the graphql handler; it does not reach into runtimes or tooling.',
      severity: 'error',
      from: { path: '^gateway/' },
      to: { path: '^(lambdas|local|infra|tools|bench|scripts|test)/' },
    },
    {
      name: 'infra-declares-not-loads',
      comment: 'The CDK app reads core/platform declarations; it never loads handlers, subgraphs, runtimes or tooling.',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: '^(lambdas|subgraphs|gateway|local|tools|bench|scripts|test)/' },
    },
    {
      name: 'local-runs-shipped-code',
      comment: 'The local runtime loads handlers and core/ (like Lambda does); not the CDK app or tooling.',
      severity: 'error',
      from: { path: '^local/' },
      to: { path: '^(infra|tools|bench|scripts|test)/' },
    },
    {
      name: 'tools-are-not-shipped',
      comment: 'Offline tooling (tools/) is never imported by shipped code or the runtimes.',
      severity: 'error',
      from: { path: '^(core|lambdas|subgraphs|gateway|infra|local|schema)/' },
      to: { path: '^tools/' },
    },
    {
      name: 'bench-stands-alone',
      comment: 'Benchmarks import neither scripts/ nor test/.',
      severity: 'error',
      from: { path: '^bench/' },
      to: { path: '^(scripts|test)/' },
    },
    {
      name: 'scripts-and-tests-are-entry-points',
      comment: 'Nothing outside test/ imports test/, and nothing outside scripts/ and test/ imports scripts/.',
      severity: 'error',
      from: { pathNot: '^(test|scripts)/' },
      to: { path: '^(test|scripts)/' },
    },
    {
      name: 'scripts-not-into-tests',
      comment: 'Stack scripts do not import test support.',
      severity: 'error',
      from: { path: '^scripts/' },
      to: { path: '^test/' },
    },
    {
      name: 'console-uses-the-public-api-only',
      comment: 'The ops console is a browser app on the public GraphQL API: it imports nothing of the backend.',
      severity: 'error',
      from: { path: '^console/' },
      to: { path: '^(?!console/|node_modules/)' },
    },
    {
      name: 'backend-does-not-import-the-console',
      comment: 'The backend serves the built console as files; only its tests read its sources (the operations it sends).',
      severity: 'error',
      from: { path: '^(core|lambdas|subgraphs|gateway|infra|local|schema|scripts|tools|bench)/' },
      to: { path: '^console/' },
    },
    {
      name: 'shipped-code-no-dev-deps',
      comment: 'What a Lambda loads may not depend on a devDependency.',
      severity: 'error',
      from: { path: '^(core|lambdas|subgraphs|gateway)/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out|\\.data|console/dist|test-artifacts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      // .tsx: the console's modules, imported without extensions as its bundler resolves them.
      extensions: ['.ts', '.tsx', '.js', '.json', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
