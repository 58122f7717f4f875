/**
 * The CDK app: `npx cdk synth -c stage=dev|staging|prod` synthesizes the stack `opsgraph-<stage>` into `cdk.out`.
 * cdk-nag's AwsSolutions checks run on every synth (see {@link createOpsgraphApp}); an unacknowledged error fails it.
 *
 * The app also runs without the CDK CLI — `npx tsx infra/app.ts -c stage=dev` — reading the feature flags from
 * `cdk.json` as the CLI would and writing the same cloud assembly to `cdk.out`. That path needs no CLI whose
 * cloud-assembly schema matches this aws-cdk-lib.
 */
import type { AppProps } from 'aws-cdk-lib';
import { createOpsgraphApp, readCdkJson } from './stack.js';

/** `-c key=value` / `--context key=value` pairs of a command line. */
export function parseContextArgs(argv: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    let pair: string | undefined;
    if (arg === '-c' || arg === '--context') pair = argv[++i];
    else if (arg.startsWith('--context=')) pair = arg.slice('--context='.length);
    if (pair === undefined) continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`context argument ${JSON.stringify(pair)} is not key=value`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}

/** App properties when no CDK CLI started the app: `cdk.json`'s context plus the command line's, into cdk.out. */
function standaloneProps(): AppProps {
  const { context, output } = readCdkJson();
  return { outdir: output, context: { ...context, ...parseContextArgs(process.argv.slice(2)) } };
}

const underCli = process.env.CDK_OUTDIR !== undefined;
try {
  const { app, stack } = createOpsgraphApp(undefined, underCli ? undefined : standaloneProps());
  const assembly = app.synth();
  if (!underCli) console.log(`synthesized ${stack.stackName} into ${assembly.directory}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
