/**
 * Contract (issue "Foundation", item 6): every environment variable that a handler reads is supplied to that
 * function both by the CDK stack and by the local runtime.
 *
 * For each `FUNCTIONS` entry, esbuild resolves the handler's transitive local imports (its metafile, with
 * packages left external), and the TypeScript parser finds every environment read in those files:
 * `requireEnv(…)` / `optionalEnv(…)` from `core/platform/env.ts` (however imported or renamed) and any direct
 * `process.env.X`, `process.env['X']` or `const { X } = process.env`. Names must be static: a string literal or a
 * `TABLES.<t>.envVar`, `STREAMS.<s>.envVar` or `ENV.<k>` constant; anything else fails the test, since it cannot be
 * checked. Each variable read, minus the exemptions below, must be
 *   (a) declared in the definition's `environment`,
 *   (b) in the synthesized CDK template's `Environment.Variables` of that function, and
 *   (c) in `localEnvironment(fn)` of the local runtime.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import ts from 'typescript';
import {
  ENV,
  FUNCTIONS,
  physicalName,
  STREAMS,
  TABLES,
  type FunctionDefinition,
} from '../../core/platform/definitions.js';
import { localEnvironment } from '../../local/environment.js';
import { BUNDLE_LOADERS } from '../../infra/bundling.js';
import { REPO_ROOT } from '../../infra/constructs/opsgraph-function.js';
import { createOpsgraphApp, readCdkJson } from '../../infra/stack.js';

/** Set by the Lambda runtime or read by libraries for themselves: never part of the contract. */
const PLATFORM_PROVIDED: readonly RegExp[] = [
  /^AWS_/, // AWS_REGION, AWS_LAMBDA_*, AWS_ENDPOINT_URL_* (the local runtime points the SDK at dynalite/kinesalite)
  /^_HANDLER$/,
  /^_X_AMZN_TRACE_ID$/,
  /^LAMBDA_(TASK_ROOT|RUNTIME_DIR)$/,
  /^POWERTOOLS_/, // Powertools configuration; the stack sets POWERTOOLS_SERVICE_NAME itself
  /^(TZ|LANG|PATH|NODE_OPTIONS|NODE_ENV)$/,
];

/**
 * Overrides that only the local runtime sets, read with `optionalEnv` so that AWS, which never sets them, runs on
 * the default. A handler reading one of these with `requireEnv` still has to declare it.
 * - `OPSGRAPH_DATA_DIR`: where the embedded dynalite keeps its data (README.md "Quickstart").
 * - `OPSGRAPH_API_KEY`: the admin key `npm start` accepts.
 * - `PORT`: the local HTTP port.
 */
const LOCAL_ONLY_OPTIONAL: readonly string[] = ['OPSGRAPH_DATA_DIR', 'OPSGRAPH_API_KEY', 'PORT'];

/** The one module through which handlers read configuration. */
const ENV_MODULE = path.join(REPO_ROOT, 'core', 'platform', 'env.ts');

type Via = 'requireEnv' | 'optionalEnv' | 'process.env';

interface EnvRead {
  /** The variable, or undefined when the name is not static. */
  name?: string;
  via: Via;
  /** `file:line` and the source text, for messages. */
  where: string;
}

/** The local source files a handler entry pulls in (packages stay external: they read no opsgraph config). */
async function localSources(entry: string): Promise<string[]> {
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [path.resolve(REPO_ROOT, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    loader: BUNDLE_LOADERS,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs)
    .map((p) => path.resolve(REPO_ROOT, p))
    .filter((p) => /\.[cm]?[jt]sx?$/.test(p) && !p.includes(`${path.sep}node_modules${path.sep}`));
}

/** Evaluates `TABLES.x.envVar`, `STREAMS.x.envVar`, `ENV.x` or a string literal; undefined when not static. */
function staticName(node: ts.Expression): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) return staticName(node.expression);
  const chain: string[] = [];
  let cur: ts.Expression = node;
  while (ts.isPropertyAccessExpression(cur) || ts.isElementAccessExpression(cur)) {
    if (ts.isPropertyAccessExpression(cur)) chain.unshift(cur.name.text);
    else if (ts.isStringLiteral(cur.argumentExpression)) chain.unshift(cur.argumentExpression.text);
    else return undefined;
    cur = cur.expression;
  }
  if (!ts.isIdentifier(cur)) return undefined;
  const roots: Record<string, unknown> = { TABLES, STREAMS, ENV };
  let value: unknown = roots[cur.text];
  for (const key of chain) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

const isProcessEnv = (node: ts.Node): boolean =>
  ts.isPropertyAccessExpression(node) &&
  node.name.text === 'env' &&
  ts.isIdentifier(node.expression) &&
  node.expression.text === 'process';

/** Every environment read in one source file. */
export function envReads(file: string, text: string): EnvRead[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const reads: EnvRead[] = [];
  const at = (node: ts.Node) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    return `${path.relative(REPO_ROOT, file)}:${line + 1}: ${node.getText(source).slice(0, 120)}`;
  };

  // Local names bound to requireEnv / optionalEnv: named imports (renamed or not) and namespace imports.
  const accessors = new Map<string, Via>();
  const namespaces = new Set<string>();
  for (const stmt of source.statements) {
    if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
    if (!/platform\/env(\.[jt]s)?$/.test(stmt.moduleSpecifier.text)) continue;
    const bindings = stmt.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const el of bindings.elements) {
        const imported = (el.propertyName ?? el.name).text;
        if (imported === 'requireEnv' || imported === 'optionalEnv') accessors.set(el.name.text, imported);
      }
    } else if (bindings && ts.isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
  }
  if (path.resolve(file) === ENV_MODULE) {
    accessors.set('requireEnv', 'requireEnv');
    accessors.set('optionalEnv', 'optionalEnv');
  }

  const accessorOf = (callee: ts.Expression): Via | undefined => {
    if (ts.isIdentifier(callee)) return accessors.get(callee.text);
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && namespaces.has(callee.expression.text)) {
      const name = callee.name.text;
      return name === 'requireEnv' || name === 'optionalEnv' ? name : undefined;
    }
    return undefined;
  };

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const via = accessorOf(node.expression);
      if (via) {
        const arg = node.arguments[0];
        reads.push({ name: arg ? staticName(arg) : undefined, via, where: at(node) });
      }
    }
    if (isProcessEnv(node)) {
      const parent = node.parent;
      // env.ts itself is the accessor: its process.env[name] is the dynamic read that requireEnv wraps.
      const insideAccessor = path.resolve(file) === ENV_MODULE;
      if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
        reads.push({ name: parent.name.text, via: 'process.env', where: at(parent) });
      } else if (ts.isElementAccessExpression(parent) && parent.expression === node) {
        if (!insideAccessor) reads.push({ name: staticName(parent.argumentExpression), via: 'process.env', where: at(parent) });
      } else if (ts.isVariableDeclaration(parent) && parent.initializer === node && ts.isObjectBindingPattern(parent.name)) {
        for (const el of parent.name.elements) {
          const key = el.propertyName ?? el.name;
          const name = ts.isIdentifier(key) || ts.isStringLiteral(key) ? key.text : undefined;
          reads.push({ name: el.dotDotDotToken ? undefined : name, via: 'process.env', where: at(el) });
        }
      } else if (!insideAccessor) {
        reads.push({ name: undefined, via: 'process.env', where: at(parent) }); // passed around whole: unknowable
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return reads;
}

/** Whether the function must be given this variable by both runtimes. */
function isContractVar(read: EnvRead & { name: string }): boolean {
  if (PLATFORM_PROVIDED.some((re) => re.test(read.name))) return false;
  return !(read.via === 'optionalEnv' && LOCAL_ONLY_OPTIONAL.includes(read.name));
}

interface Contract {
  /** Variables the function's code reads and must be supplied, with where each is read. */
  required: Map<string, string[]>;
  /** Reads whose variable name is not static. */
  unresolved: string[];
  files: string[];
}

async function contractOf(def: FunctionDefinition): Promise<Contract> {
  const { readFileSync } = await import('node:fs');
  const files = await localSources(def.entry);
  const required = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of files) {
    for (const read of envReads(file, readFileSync(file, 'utf8'))) {
      if (read.name === undefined) unresolved.push(read.where);
      else if (isContractVar(read as EnvRead & { name: string })) {
        required.set(read.name, [...(required.get(read.name) ?? []), read.where]);
      }
    }
  }
  return { required, unresolved, files };
}

/** Which of a function's required variables each runtime fails to supply. */
function gaps(def: FunctionDefinition, contract: Contract, cdkVariables: Record<string, unknown> | undefined) {
  const missing = (has: (name: string) => boolean) =>
    [...contract.required].filter(([name]) => !has(name)).map(([name, where]) => `${name} (read at ${where.join('; ')})`);
  const local = localEnvironment(def);
  return {
    definition: missing((n) => def.environment.includes(n)),
    cdk: missing((n) => cdkVariables !== undefined && n in cdkVariables),
    local: missing((n) => n in local),
  };
}

let cdkVariablesByFunction: Map<string, Record<string, unknown>>;
const tempDirs: string[] = [];

before(() => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'opsgraph-contract-'));
  tempDirs.push(outdir);
  const { app, stack } = createOpsgraphApp('dev', { context: readCdkJson().context, outdir });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties?: Record<string, any> }>;
  };
  cdkVariablesByFunction = new Map(
    Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => [r.Properties!.FunctionName as string, (r.Properties!.Environment?.Variables ?? {}) as Record<string, unknown>]),
  );
});

after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('environment contract: each variable a handler reads is supplied by the CDK stack and the local runtime', () => {
  for (const def of Object.values(FUNCTIONS) as FunctionDefinition[]) {
    test(def.name, async (t) => {
      const contract = await contractOf(def);
      assert.ok(contract.files.some((f) => f.endsWith(def.entry)), `${def.entry} is among the scanned files`);
      assert.deepEqual(contract.unresolved, [], 'environment reads whose variable name is not static');
      const cdk = cdkVariablesByFunction.get(physicalName('dev', def.name));
      assert.ok(cdk, `function ${def.name} is in the synthesized template`);
      const g = gaps(def, contract, cdk);
      assert.deepEqual(g.definition, [], `${def.name}: read but not declared in FUNCTIONS.${def.name}.environment`);
      assert.deepEqual(g.cdk, [], `${def.name}: read but not in the CDK template's Environment.Variables`);
      assert.deepEqual(g.local, [], `${def.name}: read but not in localEnvironment()`);
      // The declaration itself is honoured by both runtimes, whether or not the code reads every entry yet.
      for (const name of def.environment) {
        assert.ok(name in cdk, `${def.name}: declared ${name} missing from the CDK template`);
        assert.ok(name in localEnvironment(def), `${def.name}: declared ${name} missing locally`);
      }
      const unread = def.environment.filter((n) => !contract.required.has(n));
      if (unread.length > 0) t.diagnostic(`${def.name} declares but does not read (yet): ${unread.join(', ')}`);
    });
  }
});

describe('the contract check itself', () => {
  test('finds reads of every supported form and flags names it cannot resolve', () => {
    const reads = envReads(
      path.join(REPO_ROOT, 'lambdas', 'fixture', 'handler.ts'),
      [
        "import { requireEnv, optionalEnv as opt } from '../../core/platform/env.js';",
        "import * as envs from '../../core/platform/env.js';",
        "import { TABLES, STREAMS, ENV } from '../../core/platform/definitions.js';",
        "const a = requireEnv('LITERAL_VAR');",
        'const b = requireEnv(TABLES.profiles.envVar);',
        'const c = opt(STREAMS.changes.envVar);',
        'const d = envs.requireEnv(ENV.rulesTtl);',
        'const e = process.env.DIRECT_VAR;',
        "const f = process.env['BRACKET_VAR'];",
        'const { DESTRUCTURED_VAR } = process.env;',
        'declare const name: string;',
        'const g = requireEnv(name);',
        'const h = process.env[name];',
      ].join('\n'),
    );
    assert.deepEqual(
      reads.map((r) => [r.name, r.via]),
      [
        ['LITERAL_VAR', 'requireEnv'],
        ['PROFILES_TABLE', 'requireEnv'],
        ['CHANGES_STREAM', 'optionalEnv'],
        ['RULES_TTL_SECONDS', 'requireEnv'],
        ['DIRECT_VAR', 'process.env'],
        ['BRACKET_VAR', 'process.env'],
        ['DESTRUCTURED_VAR', 'process.env'],
        [undefined, 'requireEnv'],
        [undefined, 'process.env'],
      ],
    );
  });

  test('a handler that reads an undeclared variable breaks the contract on all three sides', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'opsgraph-contract-fixture-'));
    tempDirs.push(dir);
    const envModule = path.join(REPO_ROOT, 'core', 'platform', 'env.js');
    const helper = path.join(dir, 'helper.ts');
    writeFileSync(
      helper,
      `import { requireEnv } from ${JSON.stringify(envModule)};\nexport const secret = () => requireEnv('UNDECLARED_VAR');\n`,
    );
    const entry = path.join(dir, 'handler.ts');
    writeFileSync(
      entry,
      `import { secret } from './helper.js';\nimport { optionalEnv } from ${JSON.stringify(envModule)};\n` +
        "export const handler = async () => [secret(), optionalEnv('PORT'), process.env.AWS_REGION];\n",
    );
    const def: FunctionDefinition = { ...FUNCTIONS.ingest, name: 'fixture', entry };
    const contract = await contractOf(def);
    assert.deepEqual([...contract.required.keys()], ['UNDECLARED_VAR'], 'found through the transitive import only');
    const g = gaps(def, contract, cdkVariablesByFunction.get(physicalName('dev', 'ingest')));
    assert.equal(g.definition.length, 1);
    assert.match(g.definition[0]!, /^UNDECLARED_VAR \(read at .*helper\.ts:2/);
    assert.equal(g.cdk.length, 1);
    assert.equal(g.local.length, 1);
  });
});
